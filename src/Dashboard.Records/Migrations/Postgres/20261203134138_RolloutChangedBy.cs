using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Records.Migrations.Postgres
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
                type: "character varying(253)",
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
