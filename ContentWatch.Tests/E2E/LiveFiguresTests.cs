using System.Globalization;
using System.Text;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Web.Endpoints;
using ContentWatch.Web.Components.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// The live view's figures (issue 4), measured in a real browser and written to artifacts/e2e/figures.md.
/// One at a time: a figure taken while other browser tests load the same two cores says little.
/// </summary>
[CollectionDefinition(nameof(LiveFigures), DisableParallelization = true)]
public sealed class LiveFigures;

/// <summary>The app with the Simulated model at 0 ms between chunks: what is left is the app's own latency.</summary>
public sealed class InstantModelBrowserHost : BrowserHost
{
    protected override int ChunkDelayMs => 0;
}

[Collection(nameof(LiveFigures))]
public sealed class LaunchLatencyTests(InstantModelBrowserHost host) : IClassFixture<InstantModelBrowserHost>
{
    private const int Samples = 15;

    [Fact]
    public async Task RunPipelineClick_ToFirstOutputTextVisible_IsMeasured()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        var samples = new List<double>();
        for (var i = 0; i <= Samples; i++)
        {
            await BrowserHost.GotoInteractiveAsync(page, "/runs/new");
            var launch = page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" });
            await Assertions.Expect(launch).ToBeEnabledAsync();
            await page.GetByLabel("Topic").FillAsync($"Home espresso for beginners, take {i}");
            // Both ends are taken by the browser's clock: the click as it is dispatched, the text as it enters the DOM.
            await page.EvaluateAsync("""
                () => {
                    window.__cw = { click: 0, text: 0 };
                    const button = [...document.querySelectorAll('button')].find(b => b.textContent.includes('Run pipeline'));
                    button.addEventListener('click', () => window.__cw.click = performance.now(), { capture: true, once: true });
                    new MutationObserver((_, observer) => {
                        const output = document.querySelector('[data-step] .cw-markdown');
                        if (output && output.textContent.trim().length > 0) {
                            window.__cw.text = performance.now();
                            observer.disconnect();
                        }
                    }).observe(document.body, { subtree: true, childList: true, characterData: true });
                }
                """);
            await launch.ClickAsync();
            await page.WaitForFunctionAsync("() => window.__cw.text > 0", null, new() { Timeout = 20_000 });
            var times = await page.EvaluateAsync<double[]>("() => [window.__cw.click, window.__cw.text]");
            var (click, text) = (times[0], times[1]);
            Assert.True(click > 0 && text > click, $"click at {click} ms, text at {text} ms");
            if (i > 0)
            {
                samples.Add(text - click); // the first launch warms the JIT and the connection pool
            }
            await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        }

        samples.Sort();
        Artifacts.Figure("Run pipeline click → first output text visible (Simulated model, 0 ms delay)",
            $"p50 {Percentile(samples, 0.5):0} ms, p95 {Percentile(samples, 0.95):0} ms, min {samples[0]:0} ms, max {samples[^1]:0} ms over {samples.Count} launches (target p50 ≤ 300 ms)");
    }

    internal static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

[Collection(nameof(LiveFigures))]
public sealed class ApproveLatencyTests(InstantModelBrowserHost host) : IClassFixture<InstantModelBrowserHost>
{
    private const int Samples = 15;

    /// <summary>Issue 9's figure: a creator approves a step at its gate; how soon the next step's first text shows.</summary>
    [Fact]
    public async Task ApproveClick_ToTheNextStepsFirstTextVisible_IsMeasured()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var template = await EditorialPaths.TemplateAsync(host, admin, 1);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        var samples = new List<double>();
        for (var i = 0; i <= Samples; i++)
        {
            var (runId, _) = await EditorialPaths.StartAsync(host, api, template);
            await EditorialPaths.WaitAsync(host, runId, RunStatus.AwaitingApproval);
            await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
            var approve = page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true });
            await Assertions.Expect(approve).ToBeEnabledAsync();
            await page.EvaluateAsync("""
                () => {
                    window.__cw = { click: 0, text: 0 };
                    const button = [...document.querySelectorAll('.cw-approval button')].find(b => b.textContent.trim() === 'Approve');
                    button.addEventListener('click', () => window.__cw.click = performance.now(), { capture: true, once: true });
                    new MutationObserver((_, observer) => {
                        const output = document.querySelector('[data-step="2"] .cw-markdown');
                        if (output && output.textContent.trim().length > 0) {
                            window.__cw.text = performance.now();
                            observer.disconnect();
                        }
                    }).observe(document.body, { subtree: true, childList: true, characterData: true });
                }
                """);
            await approve.ClickAsync();
            await page.WaitForFunctionAsync("() => window.__cw.text > 0", null, new() { Timeout = 20_000 });
            var times = await page.EvaluateAsync<double[]>("() => [window.__cw.click, window.__cw.text]");
            var (click, text) = (times[0], times[1]);
            Assert.True(click > 0 && text > click, $"click at {click} ms, text at {text} ms");
            if (i > 0)
            {
                samples.Add(text - click); // the first approve warms the JIT and the connection pool
            }
            await host.Factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(30));
        }

        samples.Sort();
        Artifacts.Figure("Approve click → next step's first text visible (Simulated model, 0 ms delay)",
            $"p50 {LaunchLatencyTests.Percentile(samples, 0.5):0} ms, p95 {LaunchLatencyTests.Percentile(samples, 0.95):0} ms, min {samples[0]:0} ms, max {samples[^1]:0} ms over {samples.Count} approvals (target p50 ≤ 300 ms)");
    }
}

[Collection(nameof(LiveFigures))]
public sealed class LiveStreamingFiguresTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    /// <summary>
    /// Counted by the page itself: every WebSocket message's size with the browser's clock, and the moment each
    /// step's panel turns in_progress and then completed, so that a step's bytes are those between the two.
    /// </summary>
    private const string CountWebSocketBytes = """
        window.__cwFrames = [];
        window.__cwSteps = {};
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
            constructor(...args) {
                super(...args);
                this.addEventListener('message', e => window.__cwFrames.push([performance.now(),
                    typeof e.data === 'string' ? new TextEncoder().encode(e.data).length : (e.data.byteLength ?? e.data.size)]));
            }
        };
        new MutationObserver(records => {
            for (const r of records) {
                const step = r.target.dataset?.step;
                if (r.attributeName === 'data-status' && step) {
                    (window.__cwSteps[step] ??= {})[r.target.dataset.status] ??= performance.now();
                }
            }
            for (const panel of document.querySelectorAll('[data-step]')) {
                if (panel.querySelector('.cw-markdown')?.textContent.trim()) {
                    (window.__cwSteps[panel.dataset.step] ??= {}).text ??= performance.now();
                }
            }
        }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'], childList: true, characterData: true });
        """;

    /// <summary>
    /// The issue's target is 3× for every step. Streaming is linear now (each line and list item is sent about
    /// once, whatever the output's length); what is left above 3× on short steps is the fixed ~3 KB a step's
    /// start costs (timeline, panel state, thoughts) and Blazor's ~150 bytes per render. The bound asserted
    /// here catches a return to the quadratic design (22–26× on this run); the figure itself is reported.
    /// </summary>
    [Fact]
    public async Task WebSocketBytes_DuringEachStep_StayWithinASmallMultipleOfItsRenderedHtml()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await ApiBuilders.FirstTemplateIdAsync(host.Factory, orgId);
        var runId = await ApiBuilders.CreateIdAsync(api, ApiBuilders.Runs(orgId), ApiBuilders.RunBody(templateId));

        var page = await host.NewPageAsync();
        await page.Context.AddInitScriptAsync(CountWebSocketBytes);
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" })).ToBeEnabledAsync();

        (await api.PostAsync($"{ApiBuilders.Runs(orgId)}/{runId}/trigger", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });

        var frames = await page.EvaluateAsync<double[][]>("() => window.__cwFrames");
        var steps = await page.EvaluateAsync<Dictionary<string, Dictionary<string, double>>>("() => window.__cwSteps");
        var html = await page.Locator("[data-step] .cw-markdown").EvaluateAllAsync<string[]>("els => els.map(e => e.innerHTML)");
        var ratios = new List<string>();
        var worst = 0.0;
        var worstStreaming = 0.0;
        // Every message counts once, for the step it arrived in: from the message that started the step (the last
        // one before its panel turned in_progress) to the one that started the next, or completed the last.
        double StartOf(int order) => frames.Where(f => f[0] <= steps[order.ToString(CultureInfo.InvariantCulture)]["in_progress"]).Max(f => f[0]);
        for (var order = 1; order <= 4; order++)
        {
            var from = StartOf(order);
            var bytes = order < 4
                ? frames.Where(f => f[0] >= from && f[0] < StartOf(order + 1)).Sum(f => f[1])
                : frames.Where(f => f[0] >= from && f[0] <= steps["4"]["completed"]).Sum(f => f[1]);
            var htmlBytes = Encoding.UTF8.GetByteCount(html[order - 1]);
            var ratio = bytes / htmlBytes;
            worst = Math.Max(worst, ratio);
            // The streaming alone: from the message that showed the step's first text up to the one that completed it
            // (that one also starts the next step, so it is left to the step figure above).
            var step = steps[order.ToString(CultureInfo.InvariantCulture)];
            double LastFrameBy(double time) => frames.Where(f => f[0] <= time).Max(f => f[0]);
            var streamed = frames.Where(f => f[0] >= LastFrameBy(step["text"]) && f[0] < LastFrameBy(step["completed"])).Sum(f => f[1]);
            worstStreaming = Math.Max(worstStreaming, streamed / htmlBytes);
            ratios.Add($"step {order} {ratio:0.00} ({bytes:N0} B for {htmlBytes:N0} B; streaming alone {streamed / htmlBytes:0.00})");
        }
        Artifacts.Figure("WebSocket bytes received during a step ÷ its final rendered HTML",
            $"worst {worst:0.00} all in, {worstStreaming:0.00} for the streaming alone — {string.Join(", ", ratios)}; Standard Video Workflow, 20 ms between chunks (target ≤ 3)");
        Assert.True(worst <= 8, $"A step sent more than 8× its rendered HTML: {string.Join(", ", ratios)}");
    }

    [Fact]
    public async Task TenPagesWatchingOneRun_EndWithIdenticalText_EqualToTheStoredOutput()
    {
        const int Watchers = 10;
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await ApiBuilders.FirstTemplateIdAsync(host.Factory, orgId);
        var runId = await ApiBuilders.CreateIdAsync(api, ApiBuilders.Runs(orgId), ApiBuilders.RunBody(templateId));

        var first = await host.NewPageAsync();
        await host.LogInAsync(first, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.GotoInteractiveAsync(first, $"/runs/{runId}");
        var before = await SettledManagedMemoryAsync();
        var pages = new List<IPage> { first };
        for (var i = 1; i < Watchers; i++)
        {
            var page = await first.Context.NewPageAsync(); // same sign-in, a circuit of its own
            await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
            pages.Add(page);
        }
        foreach (var page in pages)
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" })).ToBeEnabledAsync();
        }
        var perCircuit = (await SettledManagedMemoryAsync() - before) / (Watchers - 1);

        (await api.PostAsync($"{ApiBuilders.Runs(orgId)}/{runId}/trigger", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        foreach (var page in pages)
        {
            await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 90_000 });
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run again" })).ToBeVisibleAsync();
        }
        var perCircuitAfterRun = (await SettledManagedMemoryAsync() - before) / (Watchers - 1);

        var run = await host.Factory.WaitForRunToEndAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        var stored = run.StepRuns.Where(s => s.Attempt == run.Attempt).OrderBy(s => s.StepOrder).Select(s => s.OutputContent).ToList();
        // The stored markdown rendered whole, as text: what each page shows, however it arrived in pieces.
        // Text as laid out (innerText): block and line breaks count, the markup that carries them does not.
        const string TextOf = """
            html => {
                const d = document.createElement('div');
                d.className = 'cw-markdown';
                d.style.cssText = 'position:absolute;left:-10000px;width:800px';
                d.innerHTML = html;
                document.body.appendChild(d);
                const text = d.innerText.replace(/\s+/g, ' ').trim();
                d.remove();
                return text;
            }
            """;
        var expected = new List<string>();
        foreach (var output in stored)
        {
            expected.Add(await first.EvaluateAsync<string>(TextOf, SafeMarkdown.ToHtml(output)));
        }
        var shownHtml = new List<string[]>();
        foreach (var page in pages)
        {
            shownHtml.Add(await page.Locator("[data-step] .cw-markdown").EvaluateAllAsync<string[]>("els => els.map(e => e.innerHTML)"));
        }
        Assert.All(shownHtml, html => Assert.Equal(shownHtml[0], html)); // identical on every page, markup and all
        var shown = new List<string>();
        foreach (var html in shownHtml[0])
        {
            shown.Add(await first.EvaluateAsync<string>(TextOf, html));
        }
        Assert.Equal(expected, shown);

        Artifacts.Figure("Server memory per watching circuit",
            $"{perCircuit / 1024.0:N0} KB managed heap per circuit with the run open, {perCircuitAfterRun / 1024.0:N0} KB once its 4 steps ({stored.Sum(s => s.Length):N0} characters) are shown; {Watchers} pages, all ending with text equal to the stored output");
    }

    /// <summary>
    /// The managed heap once it stops moving: full collections until two readings agree within 64 KB (other
    /// tests' hosts may still be letting go of memory when this one starts).
    /// </summary>
    private static async Task<long> SettledManagedMemoryAsync()
    {
        var last = long.MaxValue;
        for (var i = 0; i < 20; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var now = GC.GetTotalMemory(forceFullCollection: true);
            if (Math.Abs(now - last) < 64 * 1024)
            {
                return now;
            }
            last = now;
            await Task.Delay(250);
        }
        return last;
    }
}

/// <summary>The app with the Simulated model at 5 ms between chunks: the pace the circuit-bytes figure (issue 7) is taken at.</summary>
public sealed class FastModelBrowserHost : BrowserHost
{
    protected override int ChunkDelayMs => 5;
}

[Collection(nameof(LiveFigures))]
public sealed class CircuitBytesFiguresTests(FastModelBrowserHost host) : IClassFixture<FastModelBrowserHost>
{
    private const int Samples = 3;

    /// <summary>Every WebSocket message either way, with the browser's clock: what the circuit costs a watcher.</summary>
    private const string CountWebSocketBytes = """
        window.__cwIn = [];
        window.__cwOut = [];
        const size = d => typeof d === 'string' ? new TextEncoder().encode(d).length : (d.byteLength ?? d.size ?? 0);
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
            constructor(...args) {
                super(...args);
                this.addEventListener('message', e => window.__cwIn.push([performance.now(), size(e.data)]));
            }
            send(data) {
                window.__cwOut.push([performance.now(), size(data)]);
                super.send(data);
            }
        };
        """;

    /// <summary>
    /// From the click on Run pipeline in the launcher to the finished run on screen, everything the circuit sends
    /// (the live view's first render included) against the HTML of the page it ends with. The page's own HTML
    /// sent once is 1.0; what is above it is streaming and render overhead. Target ≤ 1.5 (issue 7).
    /// </summary>
    [Fact]
    public async Task CircuitBytes_FromRunPipelineClickToCompletion_StayNearTheFinalPageHtml()
    {
        var page = await host.NewPageAsync();
        await page.Context.AddInitScriptAsync(CountWebSocketBytes);
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        var ratios = new List<double>();
        var lines = new List<string>();
        for (var i = 0; i <= Samples; i++)
        {
            await BrowserHost.GotoInteractiveAsync(page, "/runs/new");
            var launch = page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" });
            await Assertions.Expect(launch).ToBeEnabledAsync();
            await page.GetByLabel("Topic").FillAsync($"Home espresso for beginners, take {i}");
            var clickedAt = await page.EvaluateAsync<double>("() => performance.now()");
            await launch.ClickAsync();
            await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run again" })).ToBeEnabledAsync();
            await page.WaitForTimeoutAsync(1_000); // the last coalesced renders
            var received = await page.EvaluateAsync<double>("t => window.__cwIn.filter(f => f[0] >= t).reduce((s, f) => s + f[1], 0)", clickedAt);
            var sent = await page.EvaluateAsync<double>("t => window.__cwOut.filter(f => f[0] >= t).reduce((s, f) => s + f[1], 0)", clickedAt);
            var messages = await page.EvaluateAsync<int>("t => window.__cwIn.filter(f => f[0] >= t).length", clickedAt);
            var html = await page.EvaluateAsync<double>("() => new TextEncoder().encode(document.documentElement.outerHTML).length");
            if (i == 0)
            {
                continue; // the first launch warms the JIT and the circuit
            }
            ratios.Add(received / html);
            lines.Add($"{received / html:0.00} ({received:N0} B received in {messages} messages, {sent:N0} B sent, page {html:N0} B)");
        }

        ratios.Sort();
        var median = ratios[ratios.Count / 2];
        Artifacts.Figure("Circuit bytes from the Run pipeline click to completion ÷ the final page HTML",
            $"median {median:0.00} over {ratios.Count} launches — {string.Join("; ", lines)}; Standard Video Workflow, 5 ms between chunks (target ≤ 1.5)");
        // The target is reported, not asserted: render timing moves it on a loaded machine. The bound catches what
        // matters — the page sent again at every render, or text re-sent whole (the first design measured 22–26× per step).
        Assert.True(median <= 2, $"The circuit sent {median:0.00}× the final page: {string.Join("; ", lines)}");
    }
}
