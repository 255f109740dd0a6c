namespace Mesh.Testing;

/// <summary>Policy documents used across tests.</summary>
public static class TestPolicies
{
    /// <summary>Allows every action of every agent.</summary>
    public const string AllowAll = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: allow-all
            effect: allow
        """;

    /// <summary>Wraps rules (YAML list items, indented two spaces) in a policy document.</summary>
    public static string Of(string rules) => "apiVersion: mesh/v1\nkind: Policy\nrules:\n" + rules;
}
