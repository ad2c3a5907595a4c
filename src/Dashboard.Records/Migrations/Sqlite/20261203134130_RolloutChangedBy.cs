using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Records.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RolloutChangedBy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ChangedBy",
                table: "rollouts",
                type: "TEXT",
                maxLength: 253,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChangedBy",
                table: "rollouts");
        }
    }
}
