# syntax=docker/dockerfile:1
# Multi-stage build of ContentWatch.Web: restore and publish with the SDK, run on the ASP.NET runtime.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ContentWatch.Blazor.sln ./
COPY ContentWatch.Core/ContentWatch.Core.csproj ContentWatch.Core/
COPY ContentWatch.Web/ContentWatch.Web.csproj ContentWatch.Web/
RUN dotnet restore ContentWatch.Web/ContentWatch.Web.csproj
COPY ContentWatch.Core/ ContentWatch.Core/
COPY ContentWatch.Web/ ContentWatch.Web/
COPY appsettings.Development.json ./
RUN dotnet publish ContentWatch.Web/ContentWatch.Web.csproj -c Release -o /app/publish --no-restore /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# curl for the HEALTHCHECK; the aspnet image has no HTTP client of its own.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/publish .
# The embedded SQLite default writes under App_Data; give it to the non-root user.
RUN mkdir -p /app/App_Data && chown -R app:app /app/App_Data
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl --fail --silent http://localhost:8080/health || exit 1
ENTRYPOINT ["dotnet", "ContentWatch.Web.dll"]
