using System.Collections.Immutable;

namespace Mesh.Policy.Expressions;

/// <summary>
/// A runtime value. <see cref="IsUndefined"/> marks a missing attribute: comparisons with it are undecided, and an
/// undecided condition counts against the action (see docs/POLICY.md, "Missing attributes").
/// A struct, so evaluating a condition allocates nothing.
/// </summary>
internal readonly struct Value
{
    private readonly byte _kind;

    private Value(byte kind, double number, string? text, ImmutableArray<string> set)
    {
        _kind = kind;
        Number = number;
        Text = text;
        Set = set;
    }

    public static Value Undefined => default;

    public static Value True { get; } = new(1, 1, null, default);

    public static Value False { get; } = new(1, 0, null, default);

    public bool IsUndefined => _kind == 0;

    public double Number { get; }

    public string? Text { get; }

    public ImmutableArray<string> Set { get; }

    public bool AsBool => Number != 0;

    public static Value Of(bool value) => value ? True : False;

    public static Value Of(double number) => new(2, number, null, default);

    public static Value Of(string? text) => text is null ? Undefined : new(3, 0, text, default);

    public static Value Of(ImmutableArray<string> set) => new(4, 0, null, set.IsDefault ? ImmutableArray<string>.Empty : set);

    /// <summary>Kleene conjunction: false wins over undefined.</summary>
    public static Value And(Value left, Value right)
    {
        if ((!left.IsUndefined && !left.AsBool) || (!right.IsUndefined && !right.AsBool))
        {
            return False;
        }

        return left.IsUndefined || right.IsUndefined ? Undefined : True;
    }

    /// <summary>Kleene disjunction: true wins over undefined.</summary>
    public static Value Or(Value left, Value right)
    {
        if ((!left.IsUndefined && left.AsBool) || (!right.IsUndefined && right.AsBool))
        {
            return True;
        }

        return left.IsUndefined || right.IsUndefined ? Undefined : False;
    }

    public static Value Not(Value value) => value.IsUndefined ? Undefined : Of(!value.AsBool);
}
