using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Records.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RolloutOutcomeDetail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "FirstFailureAt",
                table: "rollouts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OutcomeDetail",
                table: "rollouts",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FirstFailureAt",
                table: "rollouts");

            migrationBuilder.DropColumn(
                name: "OutcomeDetail",
                table: "rollouts");
        }
    }
}
