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

    public static byte[] Write(ImageFeatures features)
    {
        using var scope = torch.NewDisposeScope();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            Tensor[] tensors = [.. features.Levels.Levels, features.ImageTokens];
            writer.Write(tensors.Length);
            foreach (var tensor in tensors)
            {
                writer.Write((int)tensor.dtype);
                writer.Write(tensor.dim());
                foreach (var size in tensor.shape) writer.Write(size);
                var cpu = tensor.cpu().contiguous();
                writer.Write(cpu.NumberOfElements * cpu.ElementSize);
                writer.Write(cpu.bytes);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Features on <paramref name="device"/>; the caller owns (disposes) them.</summary>
    /// <exception cref="InvalidDataException">The bytes are not features this format wrote.</exception>
    public static ImageFeatures Read(ReadOnlyMemory<byte> bytes, Device device)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes.ToArray(), writable: false));
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
