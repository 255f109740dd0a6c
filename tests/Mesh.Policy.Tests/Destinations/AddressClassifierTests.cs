using System.Net;
using Mesh.Policy.Destinations;

namespace Mesh.Policy.Tests.Destinations;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1", DestinationCategory.Loopback)]
    [InlineData("127.255.255.254", DestinationCategory.Loopback)]
    [InlineData("169.254.169.254", DestinationCategory.LinkLocal | DestinationCategory.Metadata)]
    [InlineData("169.254.1.1", DestinationCategory.LinkLocal)]
    [InlineData("100.100.100.200", DestinationCategory.SharedAddressSpace | DestinationCategory.Metadata)]
    [InlineData("192.0.0.192", DestinationCategory.Reserved | DestinationCategory.Metadata)]
    [InlineData("255.255.255.255", DestinationCategory.Reserved | DestinationCategory.Broadcast)]
    [InlineData("0.0.0.0", DestinationCategory.Unspecified)]
    [InlineData("::", DestinationCategory.Unspecified)]
    [InlineData("::1", DestinationCategory.Loopback)]
    [InlineData("::ffff:10.0.0.1", DestinationCategory.Private)]
    [InlineData("::ffff:0:a9fe:a9fe", DestinationCategory.LinkLocal | DestinationCategory.Metadata)]
    [InlineData("64:ff9b::c0a8:101", DestinationCategory.Private)]
    [InlineData("64:ff9b:1::a00:1", DestinationCategory.Private)]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", DestinationCategory.Loopback)]
    [InlineData("fd00:ec2::254", DestinationCategory.Private | DestinationCategory.Metadata)]
    [InlineData("fe80::1", DestinationCategory.LinkLocal)]
    [InlineData("fec0::1", DestinationCategory.Private)]
    [InlineData("ff02::1", DestinationCategory.Multicast)]
    [InlineData("100::1", DestinationCategory.Reserved)]
    [InlineData("93.184.216.34", DestinationCategory.None)]
    [InlineData("192.0.2.1", DestinationCategory.None)]
    [InlineData("2001:db8::1", DestinationCategory.None)]
    [InlineData("2606:4700::1111", DestinationCategory.None)]
    [InlineData("::ffff:8.8.8.8", DestinationCategory.None)]
    [InlineData("2002:5db8:d822::1", DestinationCategory.None)]
    public void Classifies_addresses(string address, DestinationCategory expected)
    {
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("localhost", DestinationCategory.Loopback)]
    [InlineData("LocalHost.", DestinationCategory.Loopback)]
    [InlineData("app.localhost", DestinationCategory.Loopback)]
    [InlineData("metadata.google.internal", DestinationCategory.Metadata)]
    [InlineData("METADATA.Google.Internal..", DestinationCategory.Metadata)]
    [InlineData("metadata.azure.internal", DestinationCategory.Metadata)]
    [InlineData("instance-data", DestinationCategory.Metadata)]
    [InlineData("metadata", DestinationCategory.Metadata)]
    [InlineData("0x7f.1", DestinationCategory.Loopback)]
    [InlineData("[::1]", DestinationCategory.Loopback)]
    [InlineData("example.com", DestinationCategory.None)]
    [InlineData("notlocalhost", DestinationCategory.None)]
    [InlineData("localhost.example.com", DestinationCategory.None)]
    [InlineData("metadata.google.internal.example.com", DestinationCategory.None)]
    [InlineData("", DestinationCategory.None)]
    public void Classifies_host_names(string host, DestinationCategory expected)
    {
        Assert.Equal(expected, AddressClassifier.ClassifyHostName(host));
    }
}
