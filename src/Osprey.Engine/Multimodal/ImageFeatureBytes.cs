using System.Runtime.InteropServices;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// An image's features as bytes, bit for bit, so another engine of the same model can hold a replica
/// without encoding the image again: the four trunk levels and the image tokens, each as its dtype,
/// shape and raw little-endian elements.
/// </summary>
public static class ImageFeatureBytes
{
    private const int Magic = 0x4F465442; // "OFTB"

    /// <summary>The features as bytes. Runs on the engine thread, so the buffer is sized once and returned as is (no growth, no final copy).</summary>
    public static byte[] Write(ImageFeatures features)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[] tensors = [.. features.Levels.Levels.Select(t => t.cpu().contiguous()), features.ImageTokens.cpu().contiguous()];
        // Magic and count, then per tensor its dtype, rank, sizes, byte length and elements.
        var length = 2 * sizeof(int) + tensors.Sum(t => sizeof(int) + sizeof(long) * (2L + t.dim()) + t.NumberOfElements * t.ElementSize);
        var buffer = new byte[length];
        using (var writer = new BinaryWriter(new MemoryStream(buffer, writable: true)))
        {
            writer.Write(Magic);
            writer.Write(tensors.Length);
            foreach (var tensor in tensors)
            {
                writer.Write((int)tensor.dtype);
                writer.Write(tensor.dim());
                foreach (var size in tensor.shape) writer.Write(size);
                writer.Write(tensor.NumberOfElements * tensor.ElementSize);
                writer.Write(tensor.bytes);
            }
            if (writer.BaseStream.Position != length) throw new InvalidOperationException("image feature bytes were sized wrongly");
        }
        return buffer;
    }

    /// <summary>Features on <paramref name="device"/>; the caller owns (disposes) them.</summary>
    /// <exception cref="InvalidDataException">The bytes are not features this format wrote.</exception>
    public static ImageFeatures Read(ReadOnlyMemory<byte> bytes, Device device)
    {
        // A copied replica's bytes are read in place, not copied once more.
        var stream = MemoryMarshal.TryGetArray(bytes, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        using var reader = new BinaryReader(stream);
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != 5) throw new InvalidDataException("not image features (trunk levels and image tokens)");
        var tensors = new List<Tensor>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var dtype = (ScalarType)reader.ReadInt32();
                var shape = new long[reader.ReadInt64() is var rank and >= 0 and <= 8 ? rank : throw new InvalidDataException("bad tensor rank")];
                for (var d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
                var length = reader.ReadInt64();
                var cpu = torch.empty(shape, dtype);
                tensors.Add(cpu);
                if (length != cpu.NumberOfElements * cpu.ElementSize) throw new InvalidDataException("tensor bytes do not match its shape");
                reader.BaseStream.ReadExactly(cpu.bytes);
                if (device.type == DeviceType.CPU) continue;
                tensors[^1] = cpu.to(device);
                cpu.Dispose();
            }
            return new ImageFeatures(new VisionFeatures(tensors[0], tensors[1], tensors[2], tensors[3]), tensors[4]);
        }
        catch
        {
            foreach (var tensor in tensors) tensor.Dispose();
            throw;
        }
    }
}
