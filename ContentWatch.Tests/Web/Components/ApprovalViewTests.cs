using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Runs;
using ContentWatch.Web.Components.Shared;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The live view of a run awaiting approval (issue 9): its state logic, and the approval panel every watcher sees.</summary>
public sealed class ApprovalViewTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Snapshot_AwaitingApprovalThenApproved_MovesTheStepAndTheRun()
    {
        var snapshot = new RunSnapshot
        {
            Summary = new RunSummary { RunId = 7, TemplateName = "T", Inputs = new Dictionary<string, string>(), Status = RunStatus.InProgress, Attempt = 1 },
            Steps = [new StepSnapshot { Order = 1, Name = "Script", StepType = StepType.ScriptGeneration, Status = StepStatus.InProgress, StepRunId = 3 },
                     new StepSnapshot { Order = 2, Name = "SEO", StepType = StepType.SeoOptimization }],
        };
        var step = new RunEvent { RunId = 7, Type = RunEventType.StepAwaitingApproval, Sequence = 5, StepOrder = 1, StepRunId = 3, OutputTokens = 12 };

        var waiting = snapshot.Apply(step);
        var approved = waiting.Apply(step with { Type = RunEventType.StepApproved, Sequence = 6 });
        var rejected = waiting.Apply(step with { Type = RunEventType.StepRejected, Sequence = 6 });

        Assert.Equal(RunStatus.AwaitingApproval, waiting.Summary.Status);
        Assert.True(waiting.Summary.IsAwaitingApproval);
        Assert.False(waiting.Summary.IsActive);
        Assert.Equal(StepStatus.AwaitingApproval, waiting.Steps[0].Status);
        Assert.Equal(12, waiting.Steps[0].OutputTokens);
        Assert.Same(snapshot.Steps[1], waiting.Steps[1]);
        Assert.Equal((RunStatus.Pending, StepStatus.Completed), (approved.Summary.Status, approved.Steps[0].Status));
        Assert.Equal((RunStatus.Pending, StepStatus.Pending), (rejected.Summary.Status, rejected.Steps[0].Status));
    }

    [Fact]
    public async Task ApprovingInOneView_HidesThePanelInEveryView_AndTheRunGoesOnToTheEnd()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await WaitingRunAsync();
        var first = Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
        var second = Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
        first.WaitForAssertion(() => Button(first, "Approve"), Patience);
        second.WaitForAssertion(() => Assert.Single(second.FindAll("[data-approval-step='1']")), Patience);

        await Button(first, "Approve").ClickAsync(new MouseEventArgs());

        await Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.Completed);
        foreach (var view in new[] { first, second })
        {
            view.WaitForAssertion(() =>
            {
                Assert.Empty(view.FindAll("[data-approval-step]"));
                Assert.Equal(2, view.FindAll("[data-status='completed']").Count);
            }, Patience);
        }
    }

    [Fact]
    public async Task EditingInTheView_ApprovesTheEditedText_AsAnEditedVersion()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await WaitingRunAsync();
        var view = Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
        view.WaitForAssertion(() => Button(view, "Edit"), Patience);

        await Button(view, "Edit").ClickAsync(new MouseEventArgs());
        Field(view, "Edited output (markdown)").Input("Fixed by hand in the view.");
        view.WaitForAssertion(() => Assert.Contains("Fixed by hand in the view.", view.Find(".cw-approval-preview").TextContent, StringComparison.Ordinal), Patience);
        await Button(view, "Approve edited").ClickAsync(new MouseEventArgs());

        await Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.Completed);
        await using var db = Factory.CreateDbContext();
        var selected = await db.StepVersions.SingleAsync(v => v.RunId == runId && v.StepOrder == 1 && v.Selected, Ct);
        Assert.Equal((StepVersionSource.Edited, "Fixed by hand in the view."), (selected.Source, selected.OutputContent));
    }

    [Fact]
    public async Task RegeneratingWithThreeVariantsInTheView_ShowsThemSideBySide_AndPickingOneFinishesTheRunWithIt()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await WaitingRunAsync();
        var creatorId = await Factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        int stepRunId;
        await using (var db = Factory.CreateDbContext())
        {
            stepRunId = await db.StepRuns.Where(s => s.RunId == runId && s.StepOrder == 1).Select(s => s.Id).SingleAsync(Ct);
        }
        await Factory.Services.GetRequiredService<ContentWatch.Core.Editorial.EditorialLoop>().ApproveAsync(await Factory.AlphaIdAsync(), runId, stepRunId, creatorId, new(), Ct);
        await Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.Completed);
        var view = Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
        view.WaitForAssertion(() => Assert.Contains(view.FindAll("button"), b => b.TextContent.Trim() == "Regenerate"), Patience);

        await view.FindAll("button").First(b => b.TextContent.Trim() == "Regenerate").ClickAsync(new MouseEventArgs());
        view.Find("#variants-1").Change("3");
        await Button(view, "Regenerate step 1").ClickAsync(new MouseEventArgs());

        await Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.AwaitingApproval);
        view.WaitForAssertion(() => Assert.Equal(3, view.FindAll("[data-variant]").Count), Patience);
        var third = view.FindAll("[data-variant]")[2];
        var thirdId = int.Parse(third.GetAttribute("data-variant")!, System.Globalization.CultureInfo.InvariantCulture);
        await third.QuerySelector("button")!.ClickAsync(new MouseEventArgs());

        var done = await Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.Completed && r.Attempt >= 3);
        await using var check = Factory.CreateDbContext();
        var selected = await check.StepVersions.SingleAsync(v => v.RunId == runId && v.StepOrder == 1 && v.Selected, Ct);
        Assert.Equal((thirdId, StepVersionSource.Variant), (selected.Id, selected.Source));
        Assert.Equal(selected.OutputContent, done.StepRuns.Single(s => s.Attempt == done.Attempt && s.StepOrder == 1).OutputContent);
    }

    /// <summary>A two-step run (Simulated model) waiting at its gated first step.</summary>
    private async Task<int> WaitingRunAsync()
    {
        var orgId = await Factory.AlphaIdAsync();
        var adminId = await Factory.AlphaAdminIdAsync();
        var creatorId = await Factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        int agentId;
        await using (var db = Factory.CreateDbContext())
        {
            agentId = await db.Agents.Where(a => a.OrganizationId == orgId).Select(a => a.Id).FirstAsync(Ct);
        }
        var template = await Factory.Services.GetRequiredService<PipelineTemplates>().CreateAsync(orgId, adminId, new TemplateInput(
            $"Gated {Guid.NewGuid():N}", "", true,
            [new StepInput("Script", "script_generation", 1, agentId, "Write about {topic}.", RequiresApproval: true),
             new StepInput("SEO", "seo_optimization", 2, agentId, "Optimise {topic}.")]), Ct);
        Assert.True(template.Succeeded, template.Detail);
        var run = await Factory.Services.GetRequiredService<PipelineRuns>().CreateAsync(orgId, creatorId,
            new RunInput(template.Value!.Id, new Dictionary<string, string> { ["topic"] = "moka pot coffee" }), Ct);
        Assert.True((await Factory.Services.GetRequiredService<RunTrigger>().TriggerAsync(orgId, run.Value!.Id, creatorId, Ct)).Succeeded);
        await Factory.WaitForRunAsync(run.Value.Id, r => r.Status == RunStatus.AwaitingApproval);
        return run.Value.Id;
    }
}
