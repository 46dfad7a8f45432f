using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContentWatch.Core.Domain;

/// <summary>
/// The one mapping between enum members and the snake_case strings the database, the REST API and the
/// event stream share.
/// </summary>
public static class EnumNames<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> ToName =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v =>
            typeof(TEnum).GetField(v.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
            ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly FrozenDictionary<string, TEnum> FromName =
        ToName.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>All snake_case names, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<TEnum>().Select(v => ToName[v])];

    public static string Name(TEnum value) => ToName[value];

    public static TEnum Parse(string name) =>
        FromName.TryGetValue(name, out var value)
            ? value
            : throw new FormatException($"'{name}' is not a {typeof(TEnum).Name}; expected one of {string.Join(", ", All)}.");

    public static bool TryParse(string? name, out TEnum value)
    {
        value = default;
        return name is not null && FromName.TryGetValue(name, out value);
    }
}

/// <summary>Human-readable labels (API's <c>roleDisplay</c>, <c>categoryDisplay</c>, the UI).</summary>
public static class EnumDisplay
{
    public static string Of(AgentRole role) => role switch
    {
        AgentRole.Writer => "Script Writer",
        AgentRole.Reviewer => "Brand Reviewer",
        AgentRole.Seo => "SEO Expert",
        AgentRole.Designer => "Thumbnail Designer",
        _ => role.ToString(),
    };

    public static string Of(KnowledgeCategory category) => category switch
    {
        KnowledgeCategory.BrandVoice => "Brand Voice",
        KnowledgeCategory.StyleGuide => "Style Guide",
        KnowledgeCategory.Analytics => "Analytics",
        KnowledgeCategory.Reference => "Reference",
        _ => category.ToString(),
    };

    public static string Of(StepType stepType) => stepType switch
    {
        StepType.ScriptGeneration => "Script generation",
        StepType.BrandVoiceCheck => "Brand voice check",
        StepType.ThumbnailConcept => "Thumbnail concept",
        StepType.SeoOptimization => "SEO optimization",
        _ => stepType.ToString(),
    };

    public static string Of(ModelProvider provider) => provider switch
    {
        ModelProvider.OpenAI => "OpenAI-compatible",
        ModelProvider.AzureOpenAI => "Azure OpenAI",
        _ => provider.ToString(),
    };

    public static string Of(RunStatus status) => status switch
    {
        RunStatus.InProgress => "In progress",
        RunStatus.AwaitingApproval => "Awaiting approval",
        _ => status.ToString(),
    };
}

/// <summary>
/// Writes and reads every enum by its <see cref="EnumNames{TEnum}"/> name: JSON at the edges (SSE, the Redis
/// wire) speaks the same snake_case as the database and the REST API.
/// </summary>
public sealed class EnumNameJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            EnumNames<TEnum>.TryParse(reader.GetString(), out var value)
                ? value
                : throw new JsonException($"Expected one of {string.Join(", ", EnumNames<TEnum>.All)}.");

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(EnumNames<TEnum>.Name(value));
    }
}
