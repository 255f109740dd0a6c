using Mesh.Contracts.Decisions;

namespace Mesh.Contracts.Tests.Decisions;

public sealed class ReasonCodeTests
{
    [Theory]
    [InlineData(ReasonCode.CredentialRevoked, "credential_revoked")]
    [InlineData(ReasonCode.Default, "default")]
    [InlineData(ReasonCode.ControlPlaneStale, "control_plane_stale")]
    [InlineData(ReasonCode.MeshUnavailable, "mesh_unavailable")]
    [InlineData(ReasonCode.RateLimited, "rate_limited")]
    public void Wire_names_are_snake_case(ReasonCode code, string wire)
    {
        Assert.Equal(wire, code.ToWire());
        Assert.True(ReasonCodes.TryParse(wire, out var parsed));
        Assert.Equal(code, parsed);
    }

    [Fact]
    public void Every_code_round_trips_and_names_are_unique()
    {
        var names = Enum.GetValues<ReasonCode>().Select(c => c.ToWire()).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Enum.GetValues<ReasonCode>(), c => Assert.True(ReasonCodes.TryParse(c.ToWire(), out var p) && p == c));
        Assert.False(ReasonCodes.TryParse("allow_everything", out _));
    }

    [Fact]
    public void An_uninitialised_effect_is_deny()
    {
        Assert.Equal(Effect.Deny, default(Effect));
    }
}
