using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContentWatch.Core.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BrandGate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MaxRevisions",
                table: "Steps",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MinScore",
                table: "Steps",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OnBelow",
                table: "Steps",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Review",
                table: "StepRuns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RevisionRound",
                table: "StepRuns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MaxRevisions",
                table: "Steps");

            migrationBuilder.DropColumn(
                name: "MinScore",
                table: "Steps");

            migrationBuilder.DropColumn(
                name: "OnBelow",
                table: "Steps");

            migrationBuilder.DropColumn(
                name: "Review",
                table: "StepRuns");

            migrationBuilder.DropColumn(
                name: "RevisionRound",
                table: "StepRuns");
        }
    }
}
