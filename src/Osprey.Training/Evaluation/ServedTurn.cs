namespace Osprey.Training.Evaluation;

/// <summary>
/// One question of a served conversation, written as a user writes it (<c>&lt;regionK&gt;</c>), with the
/// answer it expects. Unscored turns are asked (their answers become history) but not counted;
/// <see cref="NamedCategory"/> marks an unsuffixed "What is regionK?" whose answer must also name
/// that category.
/// </summary>
public sealed record ServedTurn(string Family, string Question, string Expected, bool Scored = true, string? NamedCategory = null);
