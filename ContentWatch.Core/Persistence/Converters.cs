using System.Text.Json;
using ContentWatch.Core.Domain;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ContentWatch.Core.Persistence;

internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

internal sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    v => EnumNames<TEnum>.Name(v),
    v => EnumNames<TEnum>.Parse(v))
    where TEnum : struct, Enum;

/// <summary>Small collections stored as one JSON text column, portable across providers.</summary>
internal static class JsonColumn
{
    public static readonly ValueConverter<Dictionary<string, string>, string> StringMap = new(
        v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
        v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new());

    public static readonly ValueComparer<Dictionary<string, string>> StringMapComparer = new(
        (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
        v => v.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key.GetHashCode(StringComparison.Ordinal), p.Value.GetHashCode(StringComparison.Ordinal))),
        v => new Dictionary<string, string>(v));

    public static readonly ValueConverter<List<string>, string> StringList = new(
        v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
        v => JsonSerializer.Deserialize<List<string>>(v, JsonSerializerOptions.Default) ?? new());

    private static readonly JsonSerializerOptions ReviewJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static readonly ValueConverter<Compliance.BrandReview?, string?> Review = new(
        v => v == null ? null : JsonSerializer.Serialize(v, ReviewJson),
        v => v == null ? null : JsonSerializer.Deserialize<Compliance.BrandReview>(v, ReviewJson));

    // Reviews are written once, whole: compared by their JSON.
    public static readonly ValueComparer<Compliance.BrandReview?> ReviewComparer = new(
        (a, b) => JsonSerializer.Serialize(a, ReviewJson) == JsonSerializer.Serialize(b, ReviewJson),
        v => JsonSerializer.Serialize(v, ReviewJson).GetHashCode(StringComparison.Ordinal),
        v => v);

    public static readonly ValueComparer<List<string>> StringListComparer = new(
        (a, b) => a!.SequenceEqual(b!),
        v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))),
        v => v.ToList());
}
