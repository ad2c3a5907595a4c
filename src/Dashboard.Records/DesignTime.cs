using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Dashboard.Records;

// For `dotnet ef migrations add`: each provider's context, against a placeholder database (never opened).
sealed class SqliteDesignTime : IDesignTimeDbContextFactory<SqliteRecordsContext>
{
    public SqliteRecordsContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteRecordsContext>().UseSqlite("Data Source=design.db").Options);
}

sealed class PostgresDesignTime : IDesignTimeDbContextFactory<PostgresRecordsContext>
{
    public PostgresRecordsContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresRecordsContext>().UseNpgsql("Host=127.0.0.1;Database=design").Options);
}
