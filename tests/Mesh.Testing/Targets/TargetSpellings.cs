namespace Mesh.Testing.Targets;

/// <summary>
/// One table of target spellings and what Mesh must decide for each under <see cref="Policy"/>. The policy tests run it
/// offline against the canonical target; the silo tests run the same rows through a live silo over HTTP, so the two
/// can never disagree. Each row names the finding it covers.
/// </summary>
public static class TargetSpellings
{
    /// <summary>
    /// A deny rule and an approval rule on one public address, network and non-network tools allowed everything else,
    /// a repository scope, and one rule that opens a local socket.
    /// </summary>
    public const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: web
            effect: allow
            match: { tools: [http] }
          - id: no-admin
            effect: deny
            match: { tools: [http, read], targets: ["https://93.184.216.34/admin*"] }
          - id: billing-needs-approval
            effect: require_approval
            match: { tools: [http], targets: ["https://93.184.216.34/billing*"] }
            approval: { groups: [finance] }
          - id: read-anything
            effect: allow
            match: { tools: [read] }
          - id: acme-repos
            effect: allow
            match: { tools: [git], targets: ["github.com/acme/*"] }
          - id: docker-socket
            effect: allow
            match: { tools: [docker], targets: ["unix:///var/run/docker.sock"] }
            open_destinations: [local]
        """;

    /// <summary>Tool, target, expected effect and reason (wire names).</summary>
    public static readonly (string Tool, string Target, string Effect, string Reason)[] Cases =
    [
        // Baselines.
        ("http", "https://93.184.216.34/public", "allow", "policy"),
        ("http", "https://93.184.216.34/admin", "deny", "policy"),

        // Finding 2: every spelling of the denied URL is denied.
        ("http", "https://93.184.216.34/x/../admin", "deny", "policy"),
        ("http", "https://93.184.216.34/./admin", "deny", "policy"),
        ("http", "https://93.184.216.34/%61dmin", "deny", "policy"),
        ("http", "https://93.184.216.34/ad%6Din", "deny", "policy"),
        ("http", "https://93.184.216.34/%2e%2e/admin", "deny", "target_ambiguous"),
        ("http", "https://93.184.216.34/x/%2E%2E/admin", "deny", "target_ambiguous"),
        ("http", "https://93.184.216.34/x/.%2e/admin", "deny", "target_ambiguous"),
        ("http", "https://93.184.216.34/%2fadmin", "deny", "target_ambiguous"),
        ("http", "https://93.184.216.34:443/admin", "deny", "policy"),
        ("http", "https://93.184.216.34:0443/admin", "deny", "policy"),
        ("http", "HTTPS://93.184.216.34/admin", "deny", "policy"),
        ("http", "https://u@93.184.216.34/admin", "deny", "policy"),
        ("http", "https://u:p@93.184.216.34/admin", "deny", "policy"),
        ("http", "https://93.184.216.34./admin", "deny", "policy"),
        ("http", "https://1572395042/admin", "deny", "policy"),
        ("http", "https://0x5db8d822/admin", "deny", "policy"),
        ("http", "https://0x5d.0xb8.0xd8.0x22/admin", "deny", "policy"),
        ("http", "https://0135.0270.0330.042/admin", "deny", "policy"),
        ("http", "https://93.184.55330/admin", "deny", "policy"),
        ("http", "https://[::ffff:93.184.216.34]/admin", "deny", "policy"),
        ("http", "https://[::ffff:5db8:d822]/admin", "deny", "policy"),
        ("http", "https://93.184.216.34//admin", "deny", "policy"),
        ("http", "https://93.184.216.34/admin#top", "deny", "policy"),
        ("http", "https://93.184.216.34/admin/", "deny", "policy"),
        ("http", "  https://93.184.216.34/admin", "deny", "policy"),
        ("http", "https:93.184.216.34/admin", "deny", "target_ambiguous"),
        ("http", "https:/93.184.216.34/admin", "deny", "target_ambiguous"),
        ("http", "https:///93.184.216.34/admin", "deny", "target_ambiguous"),
        ("http", @"https:\\93.184.216.34\admin", "deny", "target_ambiguous"),
        ("http", @"https://93.184.216.34\admin", "deny", "target_ambiguous"),
        ("http", "https://93.184.216.34/a//../admin", "deny", "target_ambiguous"),
        ("read", "https://93.184.216.34/x/../admin", "deny", "policy"),

        // Finding 2: a require_approval rule cannot be skipped either.
        ("http", "https://93.184.216.34/billing", "require_approval", "policy"),
        ("http", "https://93.184.216.34/x/../billing", "require_approval", "policy"),
        ("http", "HTTPS://0x5db8d822:443/%62illing", "require_approval", "policy"),

        // Finding 2, allowing direction: a scope of github.com/acme/* does not reach another owner.
        ("git", "github.com/acme/app", "allow", "policy"),
        ("git", "github.com/acme/./app", "allow", "policy"),
        ("git", "github.com/acme/../evil/x", "deny", "default"),
        ("git", "github.com/acme/app/../../evil/x", "deny", "default"),
        ("git", "github.com/acme/%2e%2e/evil/x", "deny", "target_ambiguous"),
        ("git", "github.com/acme/%2E%2E/evil/x", "deny", "target_ambiguous"),
        ("git", "github.com/acme/..%2fevil/x", "deny", "target_ambiguous"),
        (@"git", @"github.com/acme\..\evil/x", "deny", "target_ambiguous"),

        // Finding 3: a special scheme never takes the host:port reading.
        ("read", "http:2852039166/latest/meta-data/", "deny", "target_ambiguous"),
        ("read", "https:2130706433/", "deny", "target_ambiguous"),
        ("read", "http:017700000001/", "deny", "target_ambiguous"),
        ("http", "http://2852039166/latest/meta-data/", "deny", "destination_blocked"),
        ("http", "http://017700000001/", "deny", "destination_blocked"),

        // Finding 9: a target two parsers read as different hosts is denied, whatever conditions would say.
        ("http", @"http://10.20.0.1\@10.99.0.1/", "deny", "target_ambiguous"),
        ("http", "http://a@b@93.184.216.34/", "deny", "target_ambiguous"),

        // Finding 10: local schemes are a guarded category for every tool; network tools get http(s) and ws(s).
        ("http", "file:///etc/passwd", "deny", "destination_blocked"),
        ("http", "file:///proc/self/environ", "deny", "destination_blocked"),
        ("http", "FILE:/etc/passwd", "deny", "destination_blocked"),
        ("http", "unix:///var/run/docker.sock", "deny", "destination_blocked"),
        ("http", "netdoc:///etc/passwd", "deny", "destination_blocked"),
        ("http", "jar:file:///app.jar!/x", "deny", "destination_blocked"),
        ("http", "gopher://93.184.216.34/_x", "deny", "destination_blocked"),
        ("http", "ftp://93.184.216.34/x", "deny", "destination_blocked"),
        ("http", "data:text/plain,x", "deny", "destination_blocked"),
        ("read", "file:///etc/passwd", "deny", "destination_blocked"),
        ("read", "/etc/passwd", "allow", "policy"),
        ("docker", "unix:///var/run/docker.sock", "allow", "policy"),
        ("docker", "unix:///var/run/../run/docker.sock", "allow", "policy"),

        // Hosts no client can use, and spellings parsers disagree on.
        ("http", "http://[fe80::1%25eth0]/", "deny", "target_ambiguous"),
        ("http", "http://exa%6dple.com/", "deny", "target_ambiguous"),
        ("http", "http://example.com:99999/", "deny", "target_malformed"),
        ("http", "http://1.2.3.256/", "deny", "target_malformed"),
        ("http", "http:///", "deny", "target_ambiguous"),
        ("read", "notes/../../etc/passwd", "deny", "target_ambiguous"),
    ];
}
