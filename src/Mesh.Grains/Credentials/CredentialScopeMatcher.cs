using Mesh.Contracts.Credentials;
using Mesh.Policy.Matching;
using Mesh.Policy.Targets;

namespace Mesh.Grains.Credentials;

/// <summary>A credential's scopes compiled to glob matchers; a request is in scope when any scope covers it.</summary>
internal sealed class CredentialScopeMatcher
{
    private readonly (GlobSet Tools, GlobSet Operations, GlobSet Targets)[] _scopes;

    public CredentialScopeMatcher(CredentialSpec spec) =>
        _scopes = [.. spec.Scopes.Select(s => (GlobSet.Compile(s.Tools), GlobSet.Compile(s.Operations), TargetPatterns.Compile(s.Targets)))];

    /// <summary>True when a scope covers the request; <paramref name="target"/> is the canonical target (<see cref="CanonicalTarget.Value"/>).</summary>
    public bool Covers(string tool, string operation, string? target)
    {
        foreach (var (tools, operations, targets) in _scopes)
        {
            if (tools.IsMatch(tool) && operations.IsMatch(operation) && targets.IsMatch(target))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns an error message, or null when the spec is well-formed.</summary>
    public static string? Validate(CredentialSpec spec, DateTimeOffset now)
    {
        if (spec.Scopes.IsDefaultOrEmpty)
        {
            return "a credential needs at least one scope (use tools: ['*'] to cover every tool deliberately)";
        }

        if (spec.Scopes.Length > 64)
        {
            return "a credential may have at most 64 scopes";
        }

        foreach (var scope in spec.Scopes)
        {
            if (scope is null)
            {
                return "a scope is empty";
            }

            foreach (var list in new[] { scope.Tools, scope.Operations, scope.Targets })
            {
                if (!list.IsDefault && (list.Length > 256 || list.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > 1024)))
                {
                    return "scope patterns must be non-empty, at most 1024 characters, and at most 256 per list";
                }
            }
        }

        if (spec.ExpiresAt is { } expires && expires <= now)
        {
            return $"the expiry {expires:O} is not in the future";
        }

        return spec.Description is { Length: > 1024 } ? "the description is longer than 1024 characters" : null;
    }
}
