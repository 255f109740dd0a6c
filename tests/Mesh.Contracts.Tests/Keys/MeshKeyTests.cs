using Mesh.Contracts.Keys;

namespace Mesh.Contracts.Tests.Keys;

public sealed class MeshKeyTests
{
    [Theory]
    [InlineData("acme/coder", "acme", "coder")]
    [InlineData("a/b", "a", "b")]
    [InlineData("team-7/agent_1.v2", "team-7", "agent_1.v2")]
    public void Valid_keys_split_into_tenant_and_name(string key, string tenant, string name)
    {
        Assert.True(MeshKey.TryParse(key, out var t, out var n));
        Assert.Equal(tenant, t);
        Assert.Equal(name, n);
        Assert.Equal(key, MeshKey.Create(tenant, name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("acme")]
    [InlineData("/coder")]
    [InlineData("acme/")]
    [InlineData("Acme/coder")]
    [InlineData("1acme/coder")]
    [InlineData("acme/../etc")]
    [InlineData("acme/a/b")]
    [InlineData("acme/has space")]
    [InlineData("acme/-leading")]
    public void Malformed_keys_are_rejected(string? key)
    {
        Assert.False(MeshKey.TryParse(key, out _, out _));
        Assert.Null(MeshKey.TenantOf(key));
    }

    [Fact]
    public void Overlong_parts_are_rejected()
    {
        Assert.False(MeshKey.IsValidTenant(new string('a', MeshKey.MaxTenantLength + 1)));
        Assert.False(MeshKey.IsValidName(new string('a', MeshKey.MaxNameLength + 1)));
        Assert.Throws<ArgumentException>(() => MeshKey.Create("acme", new string('a', MeshKey.MaxNameLength + 1)));
    }
}
