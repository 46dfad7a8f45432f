using System.Net;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace ContentWatch.Tests.Web.Hosting;

public sealed class HealthTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Health_WithAReachableRedis_IsHealthy()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = factory.WithWebHostBuilder(b => b.UseSetting("Redis:Configuration", redis.Endpoint));
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Health_WithRedisConfiguredButDown_IsDegraded_AndRevealsNoSecrets()
    {
        var deadPort = RedisServer.FreePort();
        await using var app = factory.WithWebHostBuilder(b =>
            b.UseSetting("Redis:Configuration", $"127.0.0.1:{deadPort},password=s3cret-redis-password"));
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Degraded", body);
        Assert.DoesNotContain("s3cret", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_WithTheDatabaseUnreachable_Is503Unhealthy()
    {
        var missingFolder = Path.Combine(Path.GetTempPath(), $"cw-missing-{Guid.NewGuid():N}", "nested", "db.sqlite");
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("Database:MigrateOnStartup", "false")
            .UseSetting("Seed:DemoData", "false")
            .UseSetting("ConnectionStrings:ContentWatch", $"Data Source={missingFolder};Mode=ReadOnly"));
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
