using ContentWatch.Core;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Retrieval;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Organizations;

/// <summary>
/// Every Core operation that changes things checks the acting user's role at the moment it runs, not the one
/// the page was loaded with: a member removed since is answered NotFound (the organization is not revealed),
/// an admin demoted since Forbidden, and nothing changes.
/// </summary>
public sealed class ActingUserTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private T Service<T>()
        where T : notnull => factory.Services.GetRequiredService<T>();

    [Theory]
    [InlineData("trigger")]
    [InlineData("cancel")]
    [InlineData("guidance")]
    [InlineData("create run")]
    [InlineData("delete run")]
    [InlineData("launch")]
    public async Task ACreatorRemovedSinceThePageLoaded_IsAnsweredNotFound_AndTheRunIsUnchanged(string operation)
    {
        var alpha = await factory.AlphaIdAsync();
        var creator = await NewMemberAsync(OrganizationRole.Creator);
        var templateId = await StandardWorkflowIdAsync(factory);
        var created = await Service<PipelineRuns>().CreateAsync(alpha, creator, new RunInput(templateId, new Dictionary<string, string> { ["topic"] = "Espresso" }), Ct);
        Assert.True(created.Succeeded);
        var runId = created.Value!.Id;
        if (operation is "cancel" or "guidance")
        {
            await SetStatusAsync(runId, RunStatus.Pending);
        }

        Assert.True((await Service<OrganizationAccess>().RemoveMemberAsync(alpha, await factory.AlphaAdminIdAsync(), creator, Ct)).Succeeded);
        var before = await SnapshotAsync(alpha);
        ResultStatus status = operation switch
        {
            "trigger" => (await Service<RunTrigger>().TriggerAsync(alpha, runId, creator, Ct)).Status,
            "cancel" => (await Service<RunControl>().CancelAsync(alpha, runId, creator, Ct)).Status,
            "guidance" => (await Service<RunControl>().AddGuidanceAsync(alpha, runId, creator, "Shorter, please.", Ct)).Status,
            "create run" => (await Service<PipelineRuns>().CreateAsync(alpha, creator, new RunInput(templateId, new Dictionary<string, string> { ["topic"] = "Latte" }), Ct)).Status,
            "delete run" => (await Service<PipelineRuns>().DeleteAsync(alpha, runId, creator, Ct)).Status,
            "launch" => (await Service<RunLauncher>().LaunchAsync(alpha, creator, new LaunchInput(templateId, "Latte"), Ct)).Status,
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        Assert.Equal(ResultStatus.NotFound, status);
        Assert.Equal(before, await SnapshotAsync(alpha));
    }

    [Theory]
    [InlineData("create agent")]
    [InlineData("update agent")]
    [InlineData("delete agent")]
    [InlineData("create knowledge")]
    [InlineData("update knowledge")]
    [InlineData("delete knowledge")]
    [InlineData("create template")]
    [InlineData("update template")]
    [InlineData("delete template")]
    [InlineData("add member")]
    [InlineData("promote self")]
    [InlineData("remove member")]
    public async Task AnAdminDemotedSinceThePageLoaded_IsForbidden_AndNothingChanges(string operation)
    {
        var alpha = await factory.AlphaIdAsync();
        var admin = await NewMemberAsync(OrganizationRole.Admin);
        var other = await NewMemberAsync(OrganizationRole.Creator);
        // What the open editor shows: rows of this organization, loaded while the user was an admin.
        var agent = (await Service<AgentProfiles>().CreateAsync(alpha, admin, new AgentInput($"Writer {Guid.NewGuid():N}", "writer", "Write.", 0.7, false), Ct)).Value!;
        var document = (await Service<KnowledgeBase>().CreateAsync(alpha, admin, new KnowledgeInput($"Voice {Guid.NewGuid():N}", "Be warm.", "brand_voice"), Ct)).Value!;
        var template = (await Service<PipelineTemplates>().CreateAsync(alpha, admin, TemplateInput(agent.Id), Ct)).Value!;
        var before = await SnapshotAsync(alpha);

        Assert.True((await Service<OrganizationAccess>().ChangeRoleAsync(alpha, await factory.AlphaAdminIdAsync(), admin, OrganizationRole.Creator, Ct)).Succeeded);
        var demotedBefore = await SnapshotAsync(alpha);
        Assert.NotEqual(before, demotedBefore);
        ResultStatus status = operation switch
        {
            "create agent" => (await Service<AgentProfiles>().CreateAsync(alpha, admin, new AgentInput("Sneaky", "writer", "Write.", 0.7, false), Ct)).Status,
            "update agent" => (await Service<AgentProfiles>().UpdateAsync(alpha, agent.Id, admin, new AgentInput("Renamed", "writer", "Write.", 0.7, false), Ct)).Status,
            "delete agent" => (await Service<AgentProfiles>().DeleteAsync(alpha, agent.Id, admin, Ct)).Status,
            "create knowledge" => (await Service<KnowledgeBase>().CreateAsync(alpha, admin, new KnowledgeInput("Sneaky", "x", "brand_voice"), Ct)).Status,
            "update knowledge" => (await Service<KnowledgeBase>().UpdateAsync(alpha, document.Id, admin, new KnowledgeInput("Renamed", "x", "brand_voice"), Ct)).Status,
            "delete knowledge" => (await Service<KnowledgeBase>().DeleteAsync(alpha, document.Id, admin, Ct)).Status,
            "create template" => (await Service<PipelineTemplates>().CreateAsync(alpha, admin, TemplateInput(agent.Id), Ct)).Status,
            "update template" => (await Service<PipelineTemplates>().UpdateAsync(alpha, template.Id, admin, TemplateInput(agent.Id) with { Name = "Renamed" }, Ct)).Status,
            "delete template" => (await Service<PipelineTemplates>().DeleteAsync(alpha, template.Id, admin, Ct)).Status,
            "add member" => (await Service<OrganizationAccess>().AddMemberAsync(alpha, admin, ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.BetaAdminEmail, OrganizationRole.Admin, Ct)).Status,
            "promote self" => (await Service<OrganizationAccess>().ChangeRoleAsync(alpha, admin, admin, OrganizationRole.Admin, Ct)).Status,
            "remove member" => (await Service<OrganizationAccess>().RemoveMemberAsync(alpha, admin, other, Ct)).Status,
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        Assert.Equal(ResultStatus.Forbidden, status);
        Assert.Equal(demotedBefore, await SnapshotAsync(alpha));
    }

    [Fact]
    public async Task AStranger_IsAnsweredNotFound_LikeTheApi()
    {
        var alpha = await factory.AlphaIdAsync();
        var betaAdmin = await factory.UserIdAsync(ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.BetaAdminEmail);

        var result = await Service<OrganizationAccess>().ChangeRoleAsync(alpha, betaAdmin, betaAdmin, OrganizationRole.Admin, Ct);

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.Equal(OrganizationAccess.NotMemberDetail, result.Detail);
        Assert.Null(await Service<OrganizationAccess>().GetRoleAsync(betaAdmin, alpha, Ct));
    }

    private static TemplateInput TemplateInput(int agentId) =>
        new($"Flow {Guid.NewGuid():N}", "", true, [new StepInput("Write it", "script_generation", 1, agentId, "Write about {topic}.")]);

    /// <summary>Everything the operations above could change in the organization, as one comparable text.</summary>
    private async Task<string> SnapshotAsync(int organizationId)
    {
        await using var db = factory.CreateDbContext();
        var runs = await db.Runs.Where(r => r.OrganizationId == organizationId).OrderBy(r => r.Id)
            .Select(r => $"{r.Id}:{r.Status}:{r.Attempt}:{r.CancelRequested}").ToListAsync(Ct);
        var guidance = await db.Guidance.CountAsync(g => g.Run.OrganizationId == organizationId, Ct);
        var agents = await db.Agents.Where(a => a.OrganizationId == organizationId).OrderBy(a => a.Id).Select(a => $"{a.Id}:{a.Name}").ToListAsync(Ct);
        var knowledge = await db.KnowledgeDocuments.Where(k => k.OrganizationId == organizationId).OrderBy(k => k.Id).Select(k => $"{k.Id}:{k.Title}").ToListAsync(Ct);
        var templates = await db.Templates.Where(t => t.OrganizationId == organizationId).OrderBy(t => t.Id).Select(t => $"{t.Id}:{t.Name}").ToListAsync(Ct);
        var members = await db.Memberships.Where(m => m.OrganizationId == organizationId).OrderBy(m => m.UserId).Select(m => $"{m.UserId}:{m.Role}").ToListAsync(Ct);
        return string.Join("\n", [.. runs, $"guidance {guidance}", .. agents, .. knowledge, .. templates, .. members]);
    }

    private async Task SetStatusAsync(int runId, RunStatus status)
    {
        await using var db = factory.CreateDbContext();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status), Ct);
    }

    private async Task<string> NewMemberAsync(OrganizationRole role)
    {
        var email = $"actor-{Guid.NewGuid():N}@contentwatch.local";
        await using (var db = factory.CreateDbContext())
        {
            db.Users.Add(new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = "Actor" });
            await db.SaveChangesAsync(Ct);
        }
        var added = await Service<OrganizationAccess>().AddMemberAsync(await factory.AlphaIdAsync(), await factory.AlphaAdminIdAsync(), email, role, Ct);
        Assert.True(added.Succeeded, added.Detail);
        return added.Value!.UserId;
    }
}
