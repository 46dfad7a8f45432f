using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContentWatch.Core.Persistence.Migrations.SqlServer
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
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MinScore",
                table: "Steps",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OnBelow",
                table: "Steps",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Review",
                table: "StepRuns",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RevisionRound",
                table: "StepRuns",
                type: "int",
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
