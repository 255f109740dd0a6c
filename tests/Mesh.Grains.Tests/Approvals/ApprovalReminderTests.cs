using Mesh.Contracts.Approvals;
using Mesh.Grains.Approvals;
using Mesh.Grains.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Mesh.Grains.Tests.Approvals;

/// <summary>
/// Approval deadlines and escalations as reminders. Registration and unregistration are read from the cluster's
/// reminder table; transitions are driven either by Orleans delivering a reminder (short real-time delays, waited
/// for by polling) or by invoking the grain's <see cref="IRemindable"/> entry point as the reminder service does.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ApprovalReminderTests(MeshCluster mesh)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly ApprovalPolicy Escalating = new()
    {
        Groups = ["finance"],
        Quorum = 1,
        ExpiresAfter = TimeSpan.FromHours(1),
        EscalationGroups = ["cfo"],
        EscalateAfter = TimeSpan.FromMinutes(30),
    };

    private IReminderTable Reminders => mesh.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();

    private async Task<IApprovalGrain> OpenAsync(ApprovalPolicy policy)
    {
        var tenant = Ids.Tenant();
        var approval = mesh.Operator.GetGrain<IApprovalGrain>($"{tenant}/apr-{Guid.NewGuid():N}");
        await approval.Open(new ApprovalOpening
        {
            Subject = new ApprovalSubject { AgentId = $"{tenant}/bot", AgentOwner = "alice", RequestId = Ids.Request(), Tool = "payments", Operation = "transfer" },
            RequestDigest = "digest",
            PolicyVersion = 1,
            Policy = policy,
        });
        return approval;
    }

    private async Task<Dictionary<string, ReminderEntry>> RemindersOfAsync(IApprovalGrain approval) =>
        (await Reminders.ReadRows(approval.GetGrainId())).Reminders.ToDictionary(r => r.ReminderName, StringComparer.Ordinal);

    private async Task<Dictionary<string, ReminderEntry>> UntilRemindersAsync(IApprovalGrain approval, params string[] names)
    {
        var expected = names.Order(StringComparer.Ordinal).ToArray();
        await Poll.UntilAsync(
            async () => (await RemindersOfAsync(approval)).Keys.Order(StringComparer.Ordinal).SequenceEqual(expected),
            Patience,
            $"the approval's reminders to be [{string.Join(", ", expected)}]");
        return await RemindersOfAsync(approval);
    }

    private async Task<ApprovalState> StoredAsync(IApprovalGrain approval)
    {
        var storage = mesh.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(MeshStorage.ProviderName);
        var stored = new GrainState<ApprovalState>();
        await storage.ReadStateAsync("approval", approval.GetGrainId(), stored);
        Assert.True(stored.RecordExists);
        return stored.State!;
    }

    // What the reminder service does when a reminder is due.
    private static Task FireAsync(IApprovalGrain approval, string reminder) =>
        approval.AsReference<IRemindable>().ReceiveReminder(reminder, new TickStatus(DateTime.UtcNow, ApprovalGrain.ReminderRetryPeriod, DateTime.UtcNow));

    private static ApprovalVote Vote(string who, bool approve = true, string group = "finance") =>
        new() { ApproverId = who, ApproverGroups = [group], Approve = approve };

    [Fact]
    public async Task Opening_registers_a_reminder_at_the_escalation_and_one_at_the_deadline()
    {
        var before = DateTime.UtcNow;
        var approval = await OpenAsync(Escalating);

        var reminders = await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);

        var after = DateTime.UtcNow;
        Assert.InRange(reminders[ApprovalGrain.EscalationReminder].StartAt, before.AddMinutes(30), after.AddMinutes(30));
        Assert.InRange(reminders[ApprovalGrain.DeadlineReminder].StartAt, before.AddHours(1), after.AddHours(1));
        Assert.All(reminders.Values, r => Assert.Equal(ApprovalGrain.ReminderRetryPeriod, r.Period));
    }

    [Fact]
    public async Task Without_escalation_only_the_deadline_has_a_reminder()
    {
        var approval = await OpenAsync(Escalating with { EscalateAfter = null });

        await UntilRemindersAsync(approval, ApprovalGrain.DeadlineReminder);
        // And an escalation due only after the deadline would never matter.
        var late = await OpenAsync(Escalating with { EscalateAfter = TimeSpan.FromHours(2) });
        await UntilRemindersAsync(late, ApprovalGrain.DeadlineReminder);
    }

    [Fact]
    public async Task The_escalation_reminder_delivered_by_orleans_records_the_escalation_and_wakes_the_waiter()
    {
        // Due three real seconds from now; Mesh's clock is moved past the escalation well before, so the tick finds it due.
        var approval = await OpenAsync(Escalating with { EscalateAfter = TimeSpan.FromSeconds(3) });
        await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        var opened = await approval.Get();
        // Waits on _changed or on Mesh's clock reaching the deadline (an hour away): only the reminder can wake it.
        var waiting = approval.Watch(opened.Revision, TimeSpan.FromSeconds(20));

        mesh.Clock.Advance(TimeSpan.FromSeconds(3));
        var woken = await waiting.WaitAsync(Patience);

        Assert.True(woken.Escalated);
        Assert.Equal(opened.Revision + 1, woken.Revision);
        Assert.Equal(ApprovalStatus.Pending, woken.Status);
        Assert.Equal(opened.OpenedAt!.Value.AddSeconds(3), (await StoredAsync(approval)).EscalatedAt);
        await UntilRemindersAsync(approval, ApprovalGrain.DeadlineReminder);
    }

    [Fact]
    public async Task The_deadline_reminder_records_the_expiry_and_unregisters_what_is_left()
    {
        var approval = await OpenAsync(Escalating);
        await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        var opened = await approval.Get();

        mesh.Clock.Advance(TimeSpan.FromHours(1));
        await FireAsync(approval, ApprovalGrain.DeadlineReminder);

        var stored = await StoredAsync(approval);
        Assert.Equal(ApprovalStatus.Expired, stored.Status);
        Assert.Equal(opened.Deadline, stored.ClosedAt);
        // Both were due; each transition is recorded once, in one change.
        Assert.Equal(opened.OpenedAt!.Value.AddMinutes(30), stored.EscalatedAt);
        Assert.Equal(opened.Revision + 1, stored.Revision);
        await UntilRemindersAsync(approval);
        await Poll.UntilAsync(async () => (await StoredAsync(approval)).RemindersRetired, Patience, "the approval to record that its reminders are retired");
        Assert.Equal(ApprovalStatus.Expired, (await approval.Get()).Status);
    }

    [Fact]
    public async Task An_early_tick_changes_nothing_and_moves_the_reminder_to_its_due_time()
    {
        var approval = await OpenAsync(Escalating);
        var registered = await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        var opened = await approval.Get();

        // Mesh's clock says the escalation is 30 minutes away (silo clocks can differ).
        var before = DateTime.UtcNow;
        await FireAsync(approval, ApprovalGrain.EscalationReminder);

        var after = DateTime.UtcNow;
        var moved = (await RemindersOfAsync(approval))[ApprovalGrain.EscalationReminder];
        Assert.NotEqual(registered[ApprovalGrain.EscalationReminder].ETag, moved.ETag);
        Assert.InRange(moved.StartAt, before.AddMinutes(30), after.AddMinutes(30));

        // Ticks are open to any caller: repeating one must not turn into a write each time.
        await FireAsync(approval, ApprovalGrain.EscalationReminder);
        Assert.Equal(moved.ETag, (await RemindersOfAsync(approval))[ApprovalGrain.EscalationReminder].ETag);
        Assert.Null((await StoredAsync(approval)).EscalatedAt);
        var view = await approval.Get();
        Assert.Equal(opened.Revision, view.Revision);
        Assert.False(view.Escalated);
    }

    [Fact]
    public async Task Deciding_votes_and_cancellations_unregister_the_reminders()
    {
        var denied = await OpenAsync(Escalating);
        var cancelled = await OpenAsync(Escalating);
        var granted = await OpenAsync(Escalating);
        foreach (var approval in new[] { denied, cancelled, granted })
        {
            await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        }

        await denied.Vote(Vote("bob", approve: false));
        await cancelled.Cancel("ops", "not needed");
        await granted.Vote(Vote("bob"));

        await UntilRemindersAsync(denied);
        await UntilRemindersAsync(cancelled);
        // Granted but not yet used: it can still expire, so the deadline stays and only the escalation goes.
        await UntilRemindersAsync(granted, ApprovalGrain.DeadlineReminder);
        Assert.True((await StoredAsync(denied)).RemindersRetired);
        Assert.False((await StoredAsync(granted)).RemindersRetired);

        Assert.Equal(ApprovalConsumeResult.Consumed, await granted.Consume((await granted.Get()).Subject!.AgentId, "digest", 1));
        await UntilRemindersAsync(granted);
        await Poll.UntilAsync(async () => (await StoredAsync(granted)).RemindersRetired, Patience, "the used approval to retire its reminders");
    }

    [Fact]
    public async Task A_late_tick_after_a_decision_changes_nothing_and_stops_itself()
    {
        var approval = await OpenAsync(Escalating);
        await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        await approval.Vote(Vote("bob", approve: false));
        await UntilRemindersAsync(approval);
        var decided = await approval.Get();

        // A tick that was already on its way when the reminder was unregistered, and even one past the deadline.
        mesh.Clock.Advance(TimeSpan.FromHours(2));
        await FireAsync(approval, ApprovalGrain.DeadlineReminder);

        var after = await approval.Get();
        Assert.Equal(ApprovalStatus.Denied, after.Status);
        Assert.Equal(decided.Revision, after.Revision);
        Assert.Equal(ApprovalStatus.Denied, (await StoredAsync(approval)).Status);
        Assert.Empty(await RemindersOfAsync(approval));
    }

    [Fact]
    public async Task A_stray_reminder_on_an_approval_that_was_never_opened_unregisters_itself()
    {
        var approval = mesh.Operator.GetGrain<IApprovalGrain>($"{Ids.Tenant()}/apr-{Guid.NewGuid():N}");
        await Reminders.UpsertRow(new ReminderEntry
        {
            GrainId = approval.GetGrainId(),
            ReminderName = ApprovalGrain.DeadlineReminder,
            StartAt = DateTime.UtcNow.AddHours(1),
            Period = ApprovalGrain.ReminderRetryPeriod,
        });

        await FireAsync(approval, ApprovalGrain.DeadlineReminder);

        Assert.Empty(await RemindersOfAsync(approval));
        Assert.Equal(ApprovalStatus.Unknown, (await approval.Get()).Status);
    }

    [Fact]
    public async Task A_missing_reminder_never_changes_a_decision()
    {
        var approval = await OpenAsync(Escalating);
        await UntilRemindersAsync(approval, ApprovalGrain.EscalationReminder, ApprovalGrain.DeadlineReminder);
        await approval.Vote(Vote("bob"));
        var agent = (await approval.Get()).Subject!.AgentId;

        // No tick is delivered (the deadline is an hour away in real time): the clock alone expires the approval.
        mesh.Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(ApprovalConsumeResult.Expired, await approval.Consume(agent, "digest", 1));
        Assert.Equal(ApprovalStatus.Expired, (await approval.Get()).Status);
        Assert.Equal(ApprovalStatus.Granted, (await StoredAsync(approval)).Status);
    }
}
