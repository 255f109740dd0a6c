using System.Text.Json;
using Mesh.Grains.Audit;

namespace Mesh.Silo.Tests.Audit;

/// <summary>
/// A real silo writes real records; the audit file is then edited underneath it, as someone with access to the file
/// would. Both <c>mesh audit verify</c> (the real CLI) and <c>POST /v1/audit/verify</c> must fail and name the problem
/// and the first broken record. Each test has a silo of its own: a tampered store must not leak into other tests.
/// </summary>
public sealed class AuditTamperLiveTests
{
    [Fact]
    public async Task An_edited_record_is_named_by_the_cli_and_the_api()
    {
        await using var silo = await LiveAuditSilo.StartAsync();
        await silo.DecideAsync("bot", 5);
        await silo.CheckpointAsync();
        var body = (await silo.RowsAsync(silo.StreamOf("bot")))[2].Body;
        body[^20] ^= 0x01;

        await silo.TamperAsync("UPDATE audit_records SET body = $b WHERE stream = $s AND seq = 3", ("$b", body), ("$s", silo.StreamOf("bot")));

        await AssertReportedAsync(silo, "edited", silo.StreamOf("bot") + "#3");
    }

    [Fact]
    public async Task A_record_deleted_in_the_middle_is_named_by_the_cli_and_the_api()
    {
        await using var silo = await LiveAuditSilo.StartAsync();
        await silo.DecideAsync("bot", 5);
        await silo.CheckpointAsync();

        await silo.TamperAsync("DELETE FROM audit_records WHERE stream = $s AND seq = 2", ("$s", silo.StreamOf("bot")));

        await AssertReportedAsync(silo, "deleted", silo.StreamOf("bot") + "#2");
    }

    [Fact]
    public async Task A_whole_deleted_stream_is_named_by_the_cli_and_the_api()
    {
        await using var silo = await LiveAuditSilo.StartAsync();
        await silo.DecideAsync("bot", 2);
        await silo.DecideAsync("other", 3);
        await silo.CheckpointAsync();

        await silo.TamperAsync("DELETE FROM audit_records WHERE stream = $s", ("$s", silo.StreamOf("other")));

        await AssertReportedAsync(silo, "truncated", silo.StreamOf("other") + "#1");
    }

    [Fact]
    public async Task A_tail_written_before_a_sigkill_is_signed_at_restart_so_cutting_it_off_is_named()
    {
        await using var silo = await LiveAuditSilo.StartAsync();
        await CrashWithAnUnsignedTailAsync(silo);
        await silo.TamperAsync("DELETE FROM audit_records WHERE stream = $s AND seq >= 5", ("$s", silo.StreamOf("bot")));

        await AssertReportedAsync(silo, "truncated", silo.StreamOf("bot") + "#5");
    }

    [Fact]
    public async Task A_record_moved_from_another_stream_and_rechained_into_a_crashed_silos_tail_is_named()
    {
        await using var silo = await LiveAuditSilo.StartAsync();
        await silo.DecideAsync("other", 2);
        await CrashWithAnUnsignedTailAsync(silo);

        // The attacker takes other's #2 (an allow), renumbers it as bot's #5 and re-chains #5 and #6 with fresh hashes:
        // every link and hash is consistent again.
        var bot = await silo.RowsAsync(silo.StreamOf("bot"));
        var moved = AuditCodec.Decode((await silo.RowsAsync(silo.StreamOf("other")))[1].Body);
        var forged5 = AuditRow.From(moved with { Stream = bot[4].Stream, AgentId = bot[4].AgentId, Sequence = 5, PreviousHash = bot[3].HashHex });
        var forged6 = AuditRow.From(AuditCodec.Decode(bot[5].Body) with { PreviousHash = forged5.HashHex });
        foreach (var forged in new[] { forged5, forged6 })
        {
            await silo.TamperAsync(
                "UPDATE audit_records SET body = $b, hash = $h, time_us = $t, kind = $k, agent_id = $a, effect = $e, reason = $r, request_id = $q WHERE stream = $s AND seq = $n",
                ("$b", forged.Body), ("$h", forged.Hash), ("$t", AuditText.UnixMicroseconds(forged.Time)), ("$k", (int)forged.Kind), ("$a", (object?)forged.AgentId ?? DBNull.Value),
                ("$e", (object?)forged.Effect ?? DBNull.Value), ("$r", (object?)forged.Reason ?? DBNull.Value), ("$q", (object?)forged.RequestId ?? DBNull.Value),
                ("$s", forged.Stream), ("$n", forged.Sequence));
        }

        await AssertReportedAsync(silo, "forged", silo.StreamOf("bot") + "#4");
    }

    [Fact]
    public async Task An_old_checkpoint_left_in_place_of_the_newer_ones_is_named_once_the_records_should_be_signed()
    {
        // Periodic signing every two seconds, so the default coverage window (3 intervals) passes quickly.
        await using var silo = await LiveAuditSilo.StartAsync("00:00:02");
        await silo.DecideAsync("bot", 3);
        await silo.UntilEverythingIsSignedAsync();
        await silo.DecideAsync("bot", 3);
        await silo.UntilEverythingIsSignedAsync();

        // Delete every checkpoint that signs bot beyond #3: the oldest one is left standing in for them.
        var stream = silo.StreamOf("bot");
        var newer = (await silo.CheckpointsAsync()).Where(c => c.Heads.Any(h => h.Stream == stream && h.Sequence > 3)).Select(c => c.Id).ToList();
        Assert.NotEmpty(newer);
        foreach (var id in newer)
        {
            await silo.TamperAsync("DELETE FROM audit_checkpoints WHERE id = $id", ("$id", id));
        }

        await UntilFailingAsync(silo);
        await AssertReportedAsync(silo, "unsigned", stream + "#4");
    }

    [Fact]
    public async Task A_store_whose_checkpoints_were_all_deleted_fails_the_cli_and_the_api()
    {
        await using var silo = await LiveAuditSilo.StartAsync("00:00:02");
        await silo.DecideAsync("bot", 3);
        await silo.UntilEverythingIsSignedAsync();

        await silo.TamperAsync("DELETE FROM audit_checkpoints");

        await UntilFailingAsync(silo);
        var api = await silo.VerifyAsync();
        var cli = await silo.CliVerifyAsync();
        Assert.Equal(0, api.GetProperty("checkpoints").GetInt32());
        Assert.Contains(api.GetProperty("problems").EnumerateArray(), p => p.GetProperty("kind").GetString() == "unsigned" && p.GetProperty("message").GetString()!.Contains("no trusted checkpoint", StringComparison.Ordinal));
        Assert.Equal(1, cli.Exit);
        Assert.Contains("no trusted checkpoint", cli.Out.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    // Verification through both doors fails, names the kind and the first broken record, and the CLI exits 1.
    private static async Task AssertReportedAsync(LiveAuditSilo silo, string kind, string recordId)
    {
        var api = await silo.VerifyAsync();
        var cli = await silo.CliVerifyAsync();
        var json = await silo.CliVerifyAsync("-o", "json");

        Assert.False(api.GetProperty("ok").GetBoolean(), api.ToString());
        Assert.True(Names(api, kind, recordId), $"expected {kind} at {recordId}: {api}");
        Assert.True(cli.Exit == 1, $"exit {cli.Exit}: {cli.Out}{cli.Err}");
        Assert.Contains($"{kind}  {recordId}", cli.Out, StringComparison.Ordinal);
        Assert.Equal(1, json.Exit);
        Assert.True(Names(JsonDocument.Parse(json.Out).RootElement, kind, recordId), json.Out);
    }

    private static bool Names(JsonElement verification, string kind, string recordId) =>
        verification.GetProperty("problems").EnumerateArray().Any(p =>
            p.GetProperty("kind").GetString() == kind && p.TryGetProperty("recordId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == recordId);

    private static Task UntilFailingAsync(LiveAuditSilo silo) => Mesh.Testing.Poll.UntilAsync(
        async () => !(await silo.VerifyAsync()).GetProperty("ok").GetBoolean(), TimeSpan.FromSeconds(60), "verification to report the unsigned records");

    // bot #1-#3 signed by a checkpoint, #4-#6 written and never signed before a SIGKILL; the restarted silo signs what
    // it finds unsigned (and recent).
    private static async Task CrashWithAnUnsignedTailAsync(LiveAuditSilo silo)
    {
        await silo.DecideAsync("bot", 3);
        await silo.CheckpointAsync();
        await silo.DecideAsync("bot", 3);
        silo.Kill();
        await silo.RestartAsync();
        await silo.UntilEverythingIsSignedAsync();
    }

}
