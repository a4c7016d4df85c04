namespace OspreyCluster.Tests.Gateway;

/// <summary>The embedded host with the sam-tiny Segment Anything model beside osprey-tiny.</summary>
public sealed class SegmentingGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, $"--Osprey:SamModelDirectory={FixturePaths.File("sam-tiny")}");
