using ContentWatch.Tests.Infrastructure;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Compliance;

/// <summary>A two-step template of Alpha's (the Script Writer's script, the Brand Voice Reviewer's check with gate options), for the gate's tests.</summary>
internal static class GatedTemplate
{
    /// <summary>Names banned terms, so that retrieval brings the banned-words guideline and the writer takes the bait.</summary>
    public const string BaitingTopic = "The game-changer espresso hack: banned words that unlock revolutionary crema";

    public static async Task<int> CreateAsync(ContentWatchFactory factory, HttpClient admin, int orgId, IReadOnlyDictionary<string, object?> gate)
    {
        await using var db = factory.CreateDbContext();
        var agents = await db.Agents.AsNoTracking().Where(a => a.OrganizationId == orgId).ToListAsync();
        var script = ApiBuilders.StepBody(1, agents.First(a => a.Name == "Script Writer").Id);
        script["name"] = "Script";
        script["promptTemplate"] = "Write a short video script about {topic} for {audience}.";
        var check = ApiBuilders.StepBody(2, agents.First(a => a.Name == "Brand Voice Reviewer").Id, "brand_voice_check");
        check["name"] = "Brand check";
        check["promptTemplate"] = "Audit the script above about {topic} against the brand voice; quote each offending line.";
        foreach (var (key, value) in gate)
        {
            check[key] = value;
        }
        return await ApiBuilders.CreateIdAsync(admin, ApiBuilders.Templates(orgId), new Dictionary<string, object?>
        {
            ["name"] = $"Gated {Guid.NewGuid():N}"[..20],
            ["steps"] = new List<object> { script, check },
        });
    }
}
