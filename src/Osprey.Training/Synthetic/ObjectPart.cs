namespace Osprey.Training.Synthetic;

/// <summary>A named part of a two-part object (e.g. the roof of a house); its mask is its visible pixels.</summary>
public sealed record ObjectPart(string Name, byte[] Mask, int Area);
