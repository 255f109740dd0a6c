using Mesh.Policy.Compilation;
using Mesh.Policy.Identities;

namespace Mesh.Policy.Tests.Identities;

public sealed class ApproverIdentityTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("Alice", "alice")]
    [InlineData("ALICE", "alice")]
    [InlineData("alice ", "alice")]
    [InlineData("  alice", "alice")]
    [InlineData("\u00A0alice\u3000", "alice")] // no-break and ideographic spaces
    [InlineData("ａｌｉｃｅ", "alice")] // fullwidth
    [InlineData("ＡＬＩＣＥ", "alice")]
    [InlineData("Alice  Smith", "alice smith")]
    [InlineData("alice\u2003smith", "alice smith")] // em space
    [InlineData("ﬁnance-bot", "finance-bot")] // ligature, NFKC
    [InlineData("Ｒｅｎé", "rené")]
    [InlineData("Rene\u0301", "rené")] // combining accent composes
    [InlineData("ǅemal", "džemal")] // title-case digraph
    public void Spellings_of_one_name_are_one_identity(string name, string identity)
    {
        Assert.True(ApproverIdentity.TryCanonicalize(name, out var canonical, out var problem), problem);
        Assert.Equal(identity, canonical);
        Assert.True(ApproverIdentity.AreSame(name, identity));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u3000")]
    [InlineData("ali\u200Bce")] // zero-width space
    [InlineData("ali\u200Cce")] // zero-width non-joiner
    [InlineData("ali\u200Dce")] // zero-width joiner
    [InlineData("\u2060alice")] // word joiner
    [InlineData("\uFEFFalice")] // byte order mark
    [InlineData("\u202Eecila")] // right-to-left override
    [InlineData("alice\u202C")] // pop directional formatting
    [InlineData("\u2067alice\u2069")] // right-to-left isolate
    [InlineData("alice\u200F")] // right-to-left mark
    [InlineData("\u061Calice")] // Arabic letter mark
    [InlineData("ali\u00ADce")] // soft hyphen
    [InlineData("alice\uFE0F")] // variation selector
    [InlineData("ali\u034Fce")] // combining grapheme joiner
    [InlineData("\u3164")] // Hangul filler
    [InlineData("alice\u2028")] // line separator
    [InlineData("alice\tbob")]
    [InlineData("alice\n")]
    [InlineData("alice\u0000")]
    [InlineData("alice\u0085")]
    [InlineData("alice\uE000")] // private use
    [InlineData("alice\U000E0041")] // tag character
    public void Names_with_nothing_visible_or_hidden_characters_have_no_identity(string? name)
    {
        Assert.False(ApproverIdentity.TryCanonicalize(name, out var identity, out var problem));
        Assert.Null(identity);
        Assert.False(string.IsNullOrEmpty(problem));
        Assert.False(ApproverIdentity.AreSame(name, name));
    }

    [Fact]
    public void Look_alikes_from_other_scripts_and_overlong_names_are_not_folded_together()
    {
        Assert.False(ApproverIdentity.AreSame("alice", "аlice")); // Cyrillic а
        Assert.True(ApproverIdentity.TryCanonicalize(new string('a', ApproverIdentity.MaxLength), out _, out _));
        Assert.False(ApproverIdentity.TryCanonicalize(new string('a', ApproverIdentity.MaxLength + 1), out _, out _));
        Assert.False(ApproverIdentity.TryCanonicalize(new string('a', 1_000_000), out _, out _));
        // A lone surrogate (not in an attribute: metadata would store it as U+FFFD).
        Assert.False(ApproverIdentity.TryCanonicalize("alice" + '\uD800', out _, out _));
        Assert.False(ApproverIdentity.TryCanonicalize('\uDC00' + "alice", out _, out _));
    }

    [Fact]
    public void Declared_group_members_are_compiled_to_identities()
    {
        var policy = PolicyCompiler.Compile("apiVersion: mesh/v1\nkind: Policy\napprover_groups:\n  finance: [Bob, \" carol \", ｄａｖｅ]\nrules:\n  - id: a\n    effect: require_approval\n    approval: { groups: [finance, cfo], quorum: 2 }\n", 1);

        var approval = policy.Rules[0].Approval!;

        Assert.Equal(["bob", "carol", "dave"], approval.Members!["finance"]);
        Assert.False(approval.Members.ContainsKey("cfo"));
    }

    [Theory]
    [InlineData("[bob, Bob]", "twice")]
    [InlineData("[bob, \"ali\\u200Bce\"]", "not a usable approver name")]
    [InlineData("[bob, \"  \"]", "not a usable approver name")]
    [InlineData("[ann, ANN, ann]", "twice")]
    public void Bad_or_repeated_members_are_errors(string members, string message)
    {
        var errors = PolicyCompiler.TryCompile($"apiVersion: mesh/v1\nkind: Policy\napprover_groups:\n  finance: {members}\nrules:\n  - id: a\n    effect: require_approval\n    approval: {{ groups: [finance], quorum: 1 }}\n", 1).Errors;

        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal) && e.Line == 4);
    }

    [Fact]
    public void The_quorum_counts_distinct_identities_of_declared_members()
    {
        // "ann" and "ANN" are one person: a quorum of 2 is out of reach (the repeat is reported as well).
        var errors = PolicyCompiler.TryCompile("apiVersion: mesh/v1\nkind: Policy\napprover_groups:\n  ops: [ann, ANN]\nrules:\n  - id: a\n    effect: require_approval\n    approval: { groups: [ops], quorum: 2 }\n", 1).Errors;

        Assert.Contains(errors, e => e.Message.Contains("can never be reached", StringComparison.Ordinal));
    }
}
