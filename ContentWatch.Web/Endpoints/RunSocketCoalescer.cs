using System.Text;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Endpoints;

/// <summary>
/// Turns one connection's run events into the original's frames. The original sends a step's whole output with
/// every chunk and all its thoughts with every line; sent as they come that costs bytes quadratic in the output.
/// So <c>chunk_received</c> and <c>step_thoughts</c> wait here until <see cref="Flush"/> (the socket calls it
/// about ten times a second) or until any other frame goes out, which always sends them first: the last
/// <c>chunk_received</c> of a step carries its full output, and a replay of many events collapses to the
/// latest of each. With <c>delta</c> a chunk frame carries only the text added since the previous one.
/// </summary>
public sealed class RunSocketCoalescer(bool delta)
{
    private readonly Dictionary<int, StepText> _steps = [];
    private readonly List<(bool IsChunk, int StepId)> _pending = [];

    public bool HasPending => _pending.Count > 0;

    /// <summary>Takes an event; adds to <paramref name="frames"/> what must go out now, in order.</summary>
    public void Accept(RunEvent e, List<RunSocketFrame> frames)
    {
        var stepId = e.StepRunId ?? (e.StepOrder is { } order ? -order : null);
        switch (e.Type)
        {
            case RunEventType.StepThoughts when stepId is { } id:
                Step(id).Thoughts.Add(e.Text ?? "");
                MarkPending(isChunk: false, id);
                return;
            case RunEventType.ChunkReceived when stepId is { } id:
                var step = Step(id);
                if (e.Replayed == true)
                {
                    // Rebuilt from the database: the whole text so far, not a delta.
                    step.Output.Clear();
                    step.Sent = 0;
                }
                step.Output.Append(e.Text);
                MarkPending(isChunk: true, id);
                return;
        }

        Flush(frames);
        if (e.Type == RunEventType.RunStarted)
        {
            _steps.Clear(); // a new attempt: its steps are new step runs
        }
        if (e.Type == RunEventType.StepStarted && stepId is { } started)
        {
            _steps[started] = new StepText();
        }
        var known = stepId is { } key && _steps.TryGetValue(key, out var text) ? text : null;
        frames.Add(RunSocketFrames.For(e, stepId, known?.Thoughts ?? [], known?.Output.ToString() ?? ""));
    }

    /// <summary>Adds the waiting thoughts and chunk frames to <paramref name="frames"/>, oldest first.</summary>
    public void Flush(List<RunSocketFrame> frames)
    {
        foreach (var (isChunk, stepId) in _pending)
        {
            var step = _steps[stepId];
            if (!isChunk)
            {
                frames.Add(RunSocketFrames.Thoughts(stepId, step.Thoughts));
                continue;
            }
            var content = delta ? step.Output.ToString(step.Sent, step.Output.Length - step.Sent) : step.Output.ToString();
            step.Sent = step.Output.Length;
            frames.Add(RunSocketFrames.Chunk(stepId, content));
        }
        _pending.Clear();
    }

    private StepText Step(int stepId)
    {
        if (!_steps.TryGetValue(stepId, out var step))
        {
            step = new StepText();
            _steps[stepId] = step;
        }
        return step;
    }

    private void MarkPending(bool isChunk, int stepId)
    {
        if (!_pending.Contains((isChunk, stepId)))
        {
            _pending.Add((isChunk, stepId));
        }
    }

    private sealed class StepText
    {
        public List<string> Thoughts { get; } = [];

        public StringBuilder Output { get; } = new();

        /// <summary>How much of <see cref="Output"/> a chunk frame has carried (for <c>delta</c>).</summary>
        public int Sent { get; set; }
    }
}
