using System.Security.Cryptography;

namespace OspreyCluster.Grains.Images;

/// <summary>An image's id: the lower-case hex SHA-256 of its bytes.</summary>
public static class ImageId
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
