using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContentWatch.Core.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ModelConnections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ModelId",
                table: "Agents",
                type: "int",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ModelConnections",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    OrganizationId = table.Column<int>(type: "int", nullable: false),
                    Name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Provider = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    Endpoint = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: false),
                    Model = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    ProtectedApiKey = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    ApiKeyLast4 = table.Column<string>(type: "nvarchar(4)", maxLength: 4, nullable: true),
                    InputPricePerMillion = table.Column<decimal>(type: "decimal(18,6)", precision: 18, scale: 6, nullable: false),
                    OutputPricePerMillion = table.Column<decimal>(type: "decimal(18,6)", precision: 18, scale: 6, nullable: false),
                    MaxConcurrency = table.Column<int>(type: "int", nullable: true),
                    IsDefault = table.Column<bool>(type: "bit", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelConnections", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ModelConnections_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Agents_ModelId",
                table: "Agents",
                column: "ModelId");

            migrationBuilder.CreateIndex(
                name: "IX_ModelConnections_OrganizationId_Name",
                table: "ModelConnections",
                columns: new[] { "OrganizationId", "Name" },
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_Agents_ModelConnections_ModelId",
                table: "Agents",
                column: "ModelId",
                principalTable: "ModelConnections",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Agents_ModelConnections_ModelId",
                table: "Agents");

            migrationBuilder.DropTable(
                name: "ModelConnections");

            migrationBuilder.DropIndex(
                name: "IX_Agents_ModelId",
                table: "Agents");

            migrationBuilder.DropColumn(
                name: "ModelId",
                table: "Agents");
        }
    }
}
