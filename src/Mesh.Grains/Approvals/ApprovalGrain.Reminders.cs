using Mesh.Contracts.Approvals;
using Mesh.Contracts.Audit;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Approvals;

/// <summary>
/// Durable deadlines. A pending approval holds up to two reminders, one at its escalation time and one at its
/// deadline; when one fires, the transition it stands for (escalated, expired) is written to the state, waiting
/// runtimes are woken, and reminders that have done their job are unregistered. A final approval (denied,
/// cancelled, expired, or granted and used) unregisters whatever is left, then records that none remain.
/// </summary>
/// <remarks>
/// The clock stays the source of truth: every call derives expiry and escalation from it, so a reminder that fires
/// late, or never, delays only the recorded transition and the wake-up, never a decision. Reminder I/O happens only
/// in <see cref="ReceiveReminder"/> and in a sync that runs in its own turn after the call that changed the state,
/// so Open and Consume (on the decision path) wait for no reminder table.
/// </remarks>
internal sealed partial class ApprovalGrain
{
    /// <summary>Fires when the escalation group may start voting.</summary>
    internal const string EscalationReminder = "approval-escalation";

    /// <summary>Fires at the deadline.</summary>
    internal const string DeadlineReminder = "approval-deadline";

    /// <summary>
    /// Reminders are one-shot: unregistered once handled. The period matters only when handling a tick failed (the
    /// store was down, say): the reminder then fires again after it. At least Orleans' minimum reminder period.
    /// </summary>
    internal static readonly TimeSpan ReminderRetryPeriod = TimeSpan.FromMinutes(5);

    // The reminders registered for this grain as this activation knows them; null until read from the table.
    private Dictionary<string, IGrainReminder>? _reminders;
    // Reminders this activation already moved after an early tick.
    private readonly HashSet<string> _movedEarly = new(StringComparer.Ordinal);
    private IGrainTimer? _syncTimer;
    private bool _deactivateAfterSync;
    private int _watching;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An approval reactivated before it retired its reminders may be missing some (a crash right after Open),
        // may hold stale ones, or may have passed a deadline while no reminder fired: the sync settles all three.
        if (state.State.Status != ApprovalStatus.Unknown && !state.State.RemindersRetired)
        {
            ScheduleReminderSync();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A reminder tick. Only records what the clock already says and brings the reminders in line, so a tick that is
    /// late, early, repeated or forged (any caller can reach <see cref="IRemindable"/>) changes no decision.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await CommitDueTransitionsAsync(clock.UtcNow);

        if (state.State.Status == ApprovalStatus.Unknown || state.State.RemindersRetired)
        {
            // A stray tick: nothing is left to remind of (a cleanup failed half-way, say). Stop it.
            if (await this.GetReminder(reminderName) is { } stray)
            {
                await this.UnregisterReminder(stray);
            }

            return;
        }

        await SyncRemindersAsync(reminderName);
    }

    /// <summary>Commits the transitions now due; an expiry joins the tenant's audit stream.</summary>
    private async Task CommitDueTransitionsAsync(DateTimeOffset now)
    {
        var wasExpired = state.State.Status == ApprovalStatus.Expired;
        if (!RecordDueTransitions(now))
        {
            return;
        }

        await CommitAsync();
        if (!wasExpired && state.State.Status == ApprovalStatus.Expired)
        {
            await RecordAsync(AuditKind.ApprovalExpired, "system", "The approval passed its deadline undecided (or granted and unused).",
                Detail(("deadline", state.State.Deadline?.ToString("O", System.Globalization.CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>
    /// Writes into the state the transitions the clock says have happened: escalation (while pending) and expiry
    /// (pending, or granted and unused, at the deadline). True when something changed. Never changes what any call
    /// answers: <see cref="EffectiveStatus"/> and <see cref="IsEscalated"/> already say the same.
    /// </summary>
    private bool RecordDueTransitions(DateTimeOffset now)
    {
        var s = state.State;
        var changed = false;
        if (s.Status == ApprovalStatus.Pending && s.EscalatedAt is null && EscalationTime() is { } escalation
            && now >= escalation && (s.Deadline is not { } deadline || escalation < deadline))
        {
            s.EscalatedAt = escalation;
            changed = true;
        }

        if (s.Status != ApprovalStatus.Expired && EffectiveStatus(now) == ApprovalStatus.Expired)
        {
            s.Status = ApprovalStatus.Expired;
            s.ClosedAt = s.Deadline;
            changed = true;
        }

        return changed;
    }

    /// <summary>The reminders the state still needs, by name, with the time each is due.</summary>
    private Dictionary<string, DateTimeOffset> WantedReminders()
    {
        var s = state.State;
        var wanted = new Dictionary<string, DateTimeOffset>(2, StringComparer.Ordinal);
        if (s.Deadline is not { } deadline)
        {
            return wanted;
        }

        if (s.Status == ApprovalStatus.Pending && s.EscalatedAt is null && EscalationTime() is { } escalation && escalation < deadline)
        {
            wanted[EscalationReminder] = escalation;
        }

        if (s.Status == ApprovalStatus.Pending || (s.Status == ApprovalStatus.Granted && !s.Consumed))
        {
            wanted[DeadlineReminder] = deadline;
        }

        return wanted;
    }

    // One pending sync covers every change made before it runs.
    private void ScheduleReminderSync()
    {
        _syncTimer ??= this.RegisterGrainTimer(RunReminderSyncAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task RunReminderSyncAsync(CancellationToken cancellationToken)
    {
        _syncTimer?.Dispose();
        _syncTimer = null;
        try
        {
            await SyncRemindersAsync(fired: null);
        }
        catch (Exception ex)
        {
            // Decisions do not depend on reminders; the next activation or tick tries again.
            LogWarningReminderSyncFailed(logger, this.GetPrimaryKeyString(), ex);
        }

        // Not while a runtime waits here: its wait would hold the deactivation, and the vote that should wake it would
        // reach the next activation instead. Idle collection then takes the activation later.
        if (_deactivateAfterSync)
        {
            _deactivateAfterSync = false;
            if (_watching == 0)
            {
                DeactivateOnIdle();
            }
        }
    }

    /// <summary>
    /// Brings the registered reminders in line with <see cref="WantedReminders"/>: records transitions already due,
    /// registers missing reminders, moves <paramref name="fired"/> to its due time if it fired early, unregisters the
    /// rest, and marks the approval retired once it is final with no reminder left.
    /// </summary>
    private async Task SyncRemindersAsync(string? fired)
    {
        if (state.State.Status == ApprovalStatus.Unknown || state.State.RemindersRetired)
        {
            return;
        }

        var now = clock.UtcNow;
        await CommitDueTransitionsAsync(now);
        _reminders ??= (await this.GetReminders()).ToDictionary(r => r.ReminderName, StringComparer.Ordinal);
        var wanted = WantedReminders();
        foreach (var (name, due) in wanted)
        {
            // A reminder that fired before its time (clocks differ between silos) is moved to the right time, once per
            // activation: IRemindable is open to any caller, and a forged tick must not turn into table writes.
            if (!_reminders.ContainsKey(name) || (name == fired && due > now && _movedEarly.Add(name)))
            {
                _reminders[name] = await this.RegisterOrUpdateReminder(name, due > now ? due - now : TimeSpan.Zero, ReminderRetryPeriod);
            }
        }

        foreach (var name in _reminders.Keys.Where(n => !wanted.ContainsKey(n)).ToList())
        {
            await this.UnregisterReminder(_reminders[name]);
            _reminders.Remove(name);
        }

        if (wanted.Count == 0 && _reminders.Count == 0)
        {
            // Final: no reminder can be wanted again, so later activations need not look for any.
            state.State.RemindersRetired = true;
            await state.WriteOrDiscardAsync(GrainContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sync the reminders of approval {ApprovalId}; expiry and escalation still apply from the clock, and the next activation retries")]
    private static partial void LogWarningReminderSyncFailed(ILogger logger, string approvalId, Exception exception);
}
