using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Dashboard.Records.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Person = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Action = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Context = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true),
                    Namespace = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Target = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Inputs = table.Column<string>(type: "text", nullable: true),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Outcome = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true),
                    Message = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "rollouts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Context = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Namespace = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Kind = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Workload = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    WorkloadUid = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Revision = table.Column<long>(type: "bigint", nullable: false),
                    FromRevision = table.Column<long>(type: "bigint", nullable: true),
                    FromImages = table.Column<string>(type: "text", nullable: true),
                    ToImages = table.Column<string>(type: "text", nullable: false),
                    ChangeCause = table.Column<string>(type: "text", nullable: true),
                    StartedBy = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ProbeVerdict = table.Column<string>(type: "text", nullable: true),
                    ProbeOk = table.Column<int>(type: "integer", nullable: false),
                    ProbeFailed = table.Column<int>(type: "integer", nullable: false),
                    SamplesJson = table.Column<string>(type: "text", nullable: true),
                    EventsJson = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollouts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_At",
                table: "audit",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_audit_Namespace_Target",
                table: "audit",
                columns: new[] { "Namespace", "Target" });

            migrationBuilder.CreateIndex(
                name: "IX_rollouts_Namespace_Workload",
                table: "rollouts",
                columns: new[] { "Namespace", "Workload" });

            migrationBuilder.CreateIndex(
                name: "IX_rollouts_StartedAt",
                table: "rollouts",
                column: "StartedAt");

            migrationBuilder.CreateIndex(
                name: "IX_rollouts_WorkloadUid_Revision",
                table: "rollouts",
                columns: new[] { "WorkloadUid", "Revision" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit");

            migrationBuilder.DropTable(
                name: "rollouts");
        }
    }
}
