using Mesh.Contracts.Errors;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Tokens;

[Collection(ClusterCollection.Name)]
public sealed class ApiTokenTests(MeshCluster mesh)
{
    private IApiTokenRegistryGrain Registry => mesh.Operator.GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key);

    private async Task<ApiPrincipal?> AuthenticateAsync(string token) =>
        ApiTokenFormat.TryParse(token, out var id, out var secret)
            ? await mesh.Operator.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id)).Authenticate(secret)
            : null;

    [Fact]
    public async Task A_token_authenticates_until_revoked_and_only_its_hash_is_kept()
    {
        var issued = await Registry.Create(new ApiTokenSpec { Name = "bob", Roles = [ApiRole.Approver], Groups = ["finance"] });

        var principal = await AuthenticateAsync(issued.Token);
        var wrongSecret = await AuthenticateAsync(issued.Token[..^2] + "xx");
        await Registry.Revoke(issued.Info.Id);
        var afterRevoke = await AuthenticateAsync(issued.Token);

        Assert.Equal("bob", principal!.Name);
        Assert.Equal([ApiRole.Approver], principal.Roles.ToArray());
        Assert.Equal(["finance"], principal.Groups.ToArray());
        Assert.Null(wrongSecret);
        Assert.Null(afterRevoke);
        Assert.Contains(await Registry.List(), t => t.Id == issued.Info.Id && t.Revoked);
        Assert.DoesNotContain(issued.Token, issued.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_creates_an_admin_only_once()
    {
        var first = await Registry.Bootstrap();
        var second = await Registry.Bootstrap();

        // Other tests may have created tokens first; either way there is never a second bootstrap.
        Assert.Null(second);
        if (first is not null)
        {
            Assert.Equal([ApiRole.Admin], first.Info.Roles.ToArray());
        }
    }

    [Theory]
    [InlineData("", new[] { ApiRole.Admin })]
    [InlineData("x", new ApiRole[0])]
    [InlineData("x", new[] { (ApiRole)42 })]
    public async Task Bad_specs_are_refused(string name, ApiRole[] roles)
    {
        var error = await Assert.ThrowsAsync<MeshException>(() => Registry.Create(new ApiTokenSpec { Name = name, Roles = [.. roles] }));

        Assert.Equal(MeshErrorCode.InvalidArgument, error.Code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer x")]
    [InlineData("mesh_ot_short.secret")]
    [InlineData("mesh_ot_ZZZZZZZZZZZZ.secret")]
    [InlineData("mesh_ot_0123456789ab.")]
    [InlineData("mesh_at_0123456789ab.secret")]
    public void Malformed_tokens_do_not_parse(string? token)
    {
        Assert.False(ApiTokenFormat.TryParse(token, out _, out _));
    }
}
