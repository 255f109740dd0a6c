namespace Mesh.Postgres.Tests.Orleans;

/// <summary>Grain state for the tests: one string.</summary>
[GenerateSerializer, Alias("mesh.tests.Box")]
public sealed class Box
{
    [Id(0)]
    public string? Value { get; set; }
}

/// <summary>What a grain read back from storage.</summary>
[GenerateSerializer, Immutable, Alias("mesh.tests.BoxView")]
public sealed record BoxView([property: Id(0)] string? Value, [property: Id(1)] bool RecordExists, [property: Id(2)] string? ETag);

/// <summary>
/// A grain with one state in each ADO.NET storage provider of the test cluster (<c>keep</c>: cleared state stays as
/// a row; <c>delete</c>: <c>DeleteStateOnClear</c>) and reminders.
/// </summary>
[Alias("mesh.tests.IBoxGrain")]
public interface IBoxGrain : IGrainWithStringKey
{
    Task Write(bool delete, string value);

    /// <summary>Reads the state from storage again and returns it.</summary>
    Task<BoxView> Read(bool delete);

    Task Clear(bool delete);

    /// <summary>Deactivates after this call, so the next call reads from storage.</summary>
    Task Deactivate();

    Task Remind(string name, TimeSpan due, TimeSpan period);

    Task<string[]> Reminders();

    Task Forget(string name);

    Task<int> Ticks(string name);
}

public sealed class BoxGrain(
    [PersistentState("box", "keep")] IPersistentState<Box> kept,
    [PersistentState("box", "delete")] IPersistentState<Box> deleted) : Grain, IBoxGrain, IRemindable
{
    private readonly Dictionary<string, int> _ticks = [];

    public Task Write(bool delete, string value)
    {
        var state = State(delete);
        state.State.Value = value;
        return state.WriteStateAsync();
    }

    public async Task<BoxView> Read(bool delete)
    {
        var state = State(delete);
        await state.ReadStateAsync();
        return new BoxView(state.State.Value, state.RecordExists, state.Etag);
    }

    public Task Clear(bool delete) => State(delete).ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Remind(string name, TimeSpan due, TimeSpan period) => this.RegisterOrUpdateReminder(name, due, period);

    public async Task<string[]> Reminders() => [.. (await this.GetReminders()).Select(r => r.ReminderName).Order(StringComparer.Ordinal)];

    public async Task Forget(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<int> Ticks(string name) => Task.FromResult(_ticks.GetValueOrDefault(name));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks[reminderName] = _ticks.GetValueOrDefault(reminderName) + 1;
        return Task.CompletedTask;
    }

    private IPersistentState<Box> State(bool delete) => delete ? deleted : kept;
}
