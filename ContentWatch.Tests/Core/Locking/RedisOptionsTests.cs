using ContentWatch.Core.Locking;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ContentWatch.Tests.Core.Locking;

/// <summary><c>Redis:*</c> is checked when the app starts, not at the first lock a run takes.</summary>
public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("Redis:TimeoutMs", "0", "The field TimeoutMs must be between 10 and 30000.")]
    [InlineData("Redis:Configuration", "127.0.0.1:6379,connectTimout=5", "Redis:Configuration is not a StackExchange.Redis configuration: Keyword 'connectTimout' is not supported.")]
    [InlineData("Redis:Configuration", "password=s3cret-redis-password", "Redis:Configuration names no host:port endpoint.")]
    public async Task InvalidSettings_StopTheAppAtStart_WithoutRevealingTheValue(string key, string value, string error)
    {
        // The whole app: its start also runs the database's and the engine's hosted services, which need their settings.
        var exception = Assert.IsType<OptionsValidationException>(await AppStartup.FailureWithAsync(key, value));

        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>Without starting: resolving the options runs the same validation.</summary>
    [Theory]
    [InlineData("", false)]
    [InlineData("127.0.0.1:6379,127.0.0.1:6380,password=secret,ssl=false", true)]
    public void ValidSettings_PassAndDecideWhetherRedisIsUsed(string configuration, bool configured)
    {
        using var host = Build(new() { ["Redis:Configuration"] = configuration });

        var options = host.Services.GetRequiredService<IOptions<RedisOptions>>().Value;

        Assert.Equal(configuration, options.Configuration);
        Assert.Equal(configured, options.IsConfigured);
        Assert.Equal(configured, host.Services.GetService<RedisConnections>() is not null);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.AddContentWatchEngine();
        return builder.Build();
    }
}
