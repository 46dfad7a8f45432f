using System.Globalization;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace ContentWatch.Core.Compliance;

/// <summary>
/// The structured review a real model is asked for (issue 11): JSON against <see cref="Schema"/> (OpenAI structured
/// outputs, strict), read back by <see cref="TryRead"/>. The engine grounds what it reads like any other review.
/// </summary>
public static class ModelReview
{
    public const string SchemaName = "brand_review";

    private const string Schema = """
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["score", "findings"],
          "properties": {
            "score": { "type": "integer", "minimum": 0, "maximum": 100 },
            "findings": {
              "type": "array",
              "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["severity", "rule", "quote", "suggestion", "documentId", "excerpt"],
                "properties": {
                  "severity": { "type": "string", "enum": ["high", "medium", "low"] },
                  "rule": { "type": "string" },
                  "quote": { "type": "string" },
                  "suggestion": { "type": "string" },
                  "documentId": { "type": "integer" },
                  "excerpt": { "type": "string" }
                }
              }
            }
          }
        }
        """;

    public static ChatResponseFormat Format { get; } =
        ChatResponseFormat.CreateJsonSchemaFormat(SchemaName, BinaryData.FromString(Compact(Schema)), jsonSchemaIsStrict: true);

    // Sent as written into every request: without the indentation.
    private static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement);
    }

    /// <summary>What follows the step's prompt when the review is asked for as JSON: the task, and the ids to cite.</summary>
    public static string Instructions(string checkedStepName, IReadOnlyList<CheckedGuideline> guidelines)
    {
        var text = new StringBuilder()
            .Append("\n# Structured review\n")
            .Append(CultureInfo.InvariantCulture, $"Review the output of the earlier step \"{checkedStepName}\" against the brand guidelines above and answer with JSON only. ")
            .Append("Score it from 0 to 100. For each problem give its severity (high for a banned word or an unsupported claim), the rule broken, ")
            .Append("the exact line or sentence of the script as written (copied character for character), what to write instead, ")
            .Append("and the guideline it breaks: its documentId from the list below and the words of that guideline that apply, copied exactly.\n")
            .Append("\n# Guideline ids\n");
        foreach (var guideline in guidelines)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {guideline.DocumentId}: {guideline.Title}\n");
        }
        return text.ToString();
    }

    /// <summary>The review in <paramref name="json"/>, or why it is not one (not JSON, or not what the schema asks).</summary>
    public static bool TryRead(string json, int threshold, out BrandReview? review, out string? error)
    {
        review = null;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("score", out var score) || !score.TryGetInt32(out var value)
                || value is < 0 or > 100)
            {
                error = "it has no score from 0 to 100";
                return false;
            }
            if (!root.TryGetProperty("findings", out var findings) || findings.ValueKind != JsonValueKind.Array)
            {
                error = "it has no list of findings";
                return false;
            }
            var read = new List<BrandFinding>();
            foreach (var finding in findings.EnumerateArray())
            {
                if (!TryReadFinding(finding, out var one))
                {
                    error = "a finding lacks its severity, rule, quote, suggestion, documentId or excerpt";
                    return false;
                }
                read.Add(one!);
            }
            review = new BrandReview { Score = value, Threshold = threshold, Passed = BrandReview.Passes(value, threshold, read), Findings = read };
            return true;
        }
        catch (JsonException)
        {
            error = "it is not JSON";
            return false;
        }
    }

    private static bool TryReadFinding(JsonElement finding, out BrandFinding? read)
    {
        read = null;
        if (finding.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        string? Text(string name) => finding.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        FindingSeverity? severity = Text("severity") switch
        {
            "high" => FindingSeverity.High,
            "medium" => FindingSeverity.Medium,
            "low" => FindingSeverity.Low,
            _ => null,
        };
        if (severity is null || Text("rule") is not { } rule || Text("quote") is not { } quote || Text("suggestion") is not { } suggestion
            || Text("excerpt") is not { } excerpt || !finding.TryGetProperty("documentId", out var id) || !id.TryGetInt32(out var documentId))
        {
            return false;
        }
        read = new BrandFinding(severity.Value, rule, quote, suggestion, new FindingSource(documentId, "", excerpt));
        return true;
    }
}
