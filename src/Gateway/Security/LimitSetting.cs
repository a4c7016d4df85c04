using System.Globalization;
using OspreyCluster.Gateway.Hosting;

namespace OspreyCluster.Gateway.Security;

/// <summary>A gateway limit read from <c>Osprey:{name}</c> or its environment variable: a whole number ≥ 1, or unset (no limit).</summary>
public static class LimitSetting
{
    public static int? Read(IConfiguration configuration, string name, string environmentVariable, string unit)
    {
        var configured = configuration[$"{GatewayOptions.Section}:{name}"] ?? configuration[environmentVariable];
        if (string.IsNullOrWhiteSpace(configured)) return null;
        if (!int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
            throw new FormatException($"{GatewayOptions.Section}:{name} ({environmentVariable}) must be a whole number of {unit} ≥ 1, got '{configured}'");
        return limit;
    }
}
