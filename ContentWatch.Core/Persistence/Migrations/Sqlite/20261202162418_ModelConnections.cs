using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContentWatch.Core.Persistence.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ModelConnections",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrganizationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ProtectedApiKey = table.Column<string>(type: "TEXT", nullable: true),
                    ApiKeyLast4 = table.Column<string>(type: "TEXT", maxLength: 4, nullable: true),
                    InputPricePerMillion = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    OutputPricePerMillion = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    MaxConcurrency = table.Column<int>(type: "INTEGER", nullable: true),
                    IsDefault = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
