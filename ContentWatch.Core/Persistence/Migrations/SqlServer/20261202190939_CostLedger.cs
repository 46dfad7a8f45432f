using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContentWatch.Core.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class CostLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "MaxRunCostUsd",
                table: "Templates",
                type: "decimal(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "CostUsd",
                table: "StepRuns",
                type: "decimal(18,8)",
                precision: 18,
                scale: 8,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "ModelName",
                table: "StepRuns",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "TokensEstimated",
                table: "StepRuns",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<decimal>(
                name: "MonthlyBudgetUsd",
                table: "Organizations",
                type: "decimal(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_StepRuns_StartedAt",
                table: "StepRuns",
                column: "StartedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_StepRuns_StartedAt",
                table: "StepRuns");

            migrationBuilder.DropColumn(
                name: "MaxRunCostUsd",
                table: "Templates");

            migrationBuilder.DropColumn(
                name: "CostUsd",
                table: "StepRuns");

            migrationBuilder.DropColumn(
                name: "ModelName",
                table: "StepRuns");

            migrationBuilder.DropColumn(
                name: "TokensEstimated",
                table: "StepRuns");

            migrationBuilder.DropColumn(
                name: "MonthlyBudgetUsd",
                table: "Organizations");
        }
    }
}
