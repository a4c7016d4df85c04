using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>A module whose children and parameters are registered by dotted path, to build trees named like the real model.</summary>
internal sealed class ModuleTree : nn.Module
{
    private readonly Dictionary<string, ModuleTree> _children = new(StringComparer.Ordinal);

    public ModuleTree(string name = "tree") : base(name) { }

    public ModuleTree Child(string path)
    {
        var node = this;
        foreach (var part in path.Split('.'))
        {
            if (!node._children.TryGetValue(part, out var child))
            {
                child = new ModuleTree(part);
                node._children[part] = child;
                node.register_module(part, child);
            }
            node = child;
        }
        return node;
    }

    public void AddModule(string path, nn.Module module)
    {
        var (parent, leaf) = Split(path);
        parent.register_module(leaf, module);
    }

    public void AddParameter(string path, Parameter parameter)
    {
        var (parent, leaf) = Split(path);
        parent.register_parameter(leaf, parameter);
    }

    private (ModuleTree Parent, string Leaf) Split(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? (this, path) : (Child(path[..dot]), path[(dot + 1)..]);
    }
}
