using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ContentWatch.Core.Idempotency;

public static class IdempotencyExtensions
{
    /// <summary>Idempotency-Key records (<c>Idempotency:*</c>), for the API and the UI alike, and their cleanup.</summary>
    public static IHostApplicationBuilder AddContentWatchIdempotency(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<IdempotentOperations>();
        builder.Services.AddHostedService<IdempotencyCleanup>();
        return builder;
    }
}
