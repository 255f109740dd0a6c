using Mesh.Contracts.Errors;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Policy.Identities;
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
    [Theory]
    [InlineData("{0}")]
    [InlineData("{0} ")]
    [InlineData(" {0}")]
    [InlineData("{0}\u3000")]
    [InlineData("{1}")]
    [InlineData("{2}")]
    public async Task A_name_that_reads_as_a_live_tokens_name_is_refused(string spelling)
    {
        // A fresh person per case (the registry is shared by the whole cluster); {1} upper-case, {2} fullwidth.
        var person = "alice" + Guid.NewGuid().ToString("N")[..6];
        var fullwidth = string.Concat(person.Select(c => char.IsAsciiLetterLower(c) ? (char)(c - 'a' + 'ａ') : char.IsAsciiDigit(c) ? (char)(c - '0' + '０') : c));
        var first = await Registry.Create(new ApiTokenSpec { Name = person, Roles = [ApiRole.Approver] });
        var name = string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, person, person.ToUpperInvariant(), fullwidth);

        var error = await Assert.ThrowsAsync<MeshException>(() => Registry.Create(new ApiTokenSpec { Name = name, Roles = [ApiRole.Approver] }));

        Assert.Equal(MeshErrorCode.AlreadyExists, error.Code);
        Assert.Contains(first.Info.Id, error.Message, StringComparison.Ordinal);
        Assert.Single(await Registry.List(), t => ApproverIdentity.AreSame(t.Name, person));
    }

    [Fact]
    public async Task A_revoked_tokens_name_can_be_given_to_a_new_token()
    {
        var person = "rotating" + Guid.NewGuid().ToString("N")[..6];
        var old = await Registry.Create(new ApiTokenSpec { Name = person, Roles = [ApiRole.Approver] });
        await Registry.Revoke(old.Info.Id);

        var renewed = await Registry.Create(new ApiTokenSpec { Name = person.ToUpperInvariant() + " ", Roles = [ApiRole.Approver] });

        Assert.Equal(person.ToUpperInvariant(), renewed.Info.Name);
        await Assert.ThrowsAsync<MeshException>(() => Registry.Create(new ApiTokenSpec { Name = person, Roles = [ApiRole.Approver] }));
    }

    [Theory]
    [InlineData("ali\u200Bce")]
    [InlineData("\u202Eecila")]
    [InlineData("alice\u2066")]
    [InlineData("ali\u00ADce")]
    [InlineData("\uFEFFalice")]
    [InlineData("alice\tbob")]
    [InlineData("\u3000 ")]
    [InlineData("\u3164")]
    public async Task A_name_with_invisible_or_control_characters_is_refused(string name)
    {
        var error = await Assert.ThrowsAsync<MeshException>(() => Registry.Create(new ApiTokenSpec { Name = name, Roles = [ApiRole.Approver] }));

        Assert.Equal(MeshErrorCode.InvalidArgument, error.Code);
        Assert.DoesNotContain(await Registry.List(), t => t.Name == name);
    }

    [Theory]
    [InlineData("acme/finance", true)]
    [InlineData("*/finance", true)]
    [InlineData("finance", true)]
    [InlineData("Acme/finance", false)]
    [InlineData("acme/", false)]
    [InlineData("/finance", false)]
    [InlineData("acme/fin/ance", false)]
    [InlineData("**/finance", false)]
    public async Task Group_grants_name_a_tenant_or_every_tenant(string group, bool accepted)
    {
        var spec = new ApiTokenSpec { Name = "grants" + Guid.NewGuid().ToString("N")[..8], Roles = [ApiRole.Approver], Groups = [group] };

        if (accepted)
        {
            Assert.Equal([group], (await Registry.Create(spec)).Info.Groups.ToArray());
        }
        else
        {
            Assert.Equal(MeshErrorCode.InvalidArgument, (await Assert.ThrowsAsync<MeshException>(() => Registry.Create(spec))).Code);
            Assert.DoesNotContain(await Registry.List(), t => t.Name == spec.Name);
        }
    }
}
