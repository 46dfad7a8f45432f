using Microsoft.Extensions.Configuration.Json;

namespace ContentWatch.Web.Extensions;

public static class SettingsExtensions
{
    /// <summary>
    /// <c>appsettings.{Environment}.json</c> lives at the solution root (ARCHITECTURE.md §1) and is copied
    /// beside the binaries. It is read right after the content root's own settings files, so that
    /// environment variables and the command line still override it.
    /// </summary>
    public static IHostApplicationBuilder AddSolutionRootSettings(this IHostApplicationBuilder builder)
    {
        var fileName = $"appsettings.{builder.Environment.EnvironmentName}.json";
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        if (!File.Exists(path) || File.Exists(Path.Combine(builder.Environment.ContentRootPath, fileName)))
        {
            return builder;
        }

        var sources = builder.Configuration.Sources;
        var after = sources.Select((source, index) => (source, index))
            .LastOrDefault(s => s.source is JsonConfigurationSource { Path: { } p } && p.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase));
        var position = after.source is null ? 0 : after.index + 1;
        var rootSettings = new JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = false };
        rootSettings.ResolveFileProvider(); // an absolute path needs its own file provider, not the content root's
        sources.Insert(position, rootSettings);
        return builder;
    }
}
