namespace Mesh.Policy.Parsing;

/// <summary>
/// Bounds on every YAML document Mesh reads (policies, shadow candidates, policy test cases). A document past any
/// of them is refused with the position where it crossed the bound, before a node tree is built from it.
/// </summary>
public static class YamlLimits
{
    /// <summary>Longest accepted document, in characters.</summary>
    public const int MaxDocumentLength = 1_048_576;

    /// <summary>
    /// Deepest nesting of lists and mappings, flow (<c>[</c>, <c>{</c>) and block (indentation, <c>- - -</c>) alike:
    /// a document whose outermost mapping holds a list is two levels deep.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Most nodes (scalars, lists, mappings) a document may hold with every alias counted as a copy of the node it
    /// names, so a few kilobytes of aliases cannot stand for millions of nodes ("billion laughs").
    /// </summary>
    public const int MaxNodes = 200_000;
}
