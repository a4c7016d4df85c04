namespace Osprey.Training.Data;

/// <summary>One turn of an Osprey-style conversation; <see cref="From"/> is "human" or "gpt".</summary>
public sealed record ConversationTurn(string From, string Value)
{
    public const string Human = "human";
    public const string Gpt = "gpt";

    public static ConversationTurn User(string value) => new(Human, value);
    public static ConversationTurn Assistant(string value) => new(Gpt, value);
}
