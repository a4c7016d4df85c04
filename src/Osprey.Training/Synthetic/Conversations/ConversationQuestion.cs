namespace Osprey.Training.Synthetic.Conversations;

/// <summary>
/// One question of a region conversation and its answer. <see cref="Region"/> is the one region it asks
/// about (follow-ups such as "What colour is it?" refer to it), <see cref="NamedCategory"/> the
/// category an unsuffixed "What is regionK?" must name somewhere in its short description.
/// </summary>
public sealed record ConversationQuestion(string Family, string Question, string Answer, int? Region = null, string? NamedCategory = null);
