// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GymMarketplace
/// @notice Authors list environments and publish their versions by content root (the bundle id, a 0G
/// Storage Merkle root) with a metadata URI, a license, a price per use and a royalty on the payout of
/// every training job that uses the version. Versions are immutable once published; an author can
/// deprecate one, after which no new job can use it. Events carry what the studio indexes: author,
/// tags (indexed by hash), content root.
/// @dev Holds no funds: the escrow reads a version's terms when a job opens and pays the author itself.
contract GymMarketplace {
    /// @notice Royalty cap, in basis points of a job's payout (50%).
    uint16 public constant MAX_ROYALTY_BPS = 5_000;
    uint256 public constant MAX_TAGS = 16;

    struct Environment {
        address author;
        string name;
        uint256[] versions;
    }

    struct Version {
        uint256 envId;
        bytes32 contentRoot;
        uint256 pricePerUse;
        uint16 royaltyBps;
        bool deprecated;
        uint64 publishedAt;
        string metadataURI;
        string license;
    }

    uint256 public environmentCount;
    uint256 public versionCount;
    mapping(uint256 envId => Environment) private _environments;
    mapping(uint256 versionId => Version) private _versions;
    mapping(bytes32 contentRoot => uint256 versionId) public versionByRoot;

    event EnvironmentCreated(uint256 indexed envId, address indexed author, string name);
    event EnvironmentTagged(uint256 indexed envId, string indexed tagIndex, string tag);
    event AuthorshipTransferred(uint256 indexed envId, address indexed from, address indexed to);
    event VersionPublished(
        uint256 indexed versionId,
        uint256 indexed envId,
        address indexed author,
        bytes32 contentRoot,
        string metadataURI,
        string license,
        uint256 pricePerUse,
        uint16 royaltyBps
    );
    event VersionDeprecated(uint256 indexed versionId, uint256 indexed envId, string reason);

    error EmptyName();
    error TooManyTags(uint256 count, uint256 max);
    error UnknownEnvironment(uint256 envId);
    error UnknownVersion(uint256 versionId);
    error NotAuthor(address caller, address author);
    error ZeroContentRoot();
    error ContentRootTaken(bytes32 contentRoot, uint256 versionId);
    error RoyaltyTooHigh(uint16 royaltyBps, uint16 max);
    error AlreadyDeprecated(uint256 versionId);
    error ZeroAddress();

    /// @notice List a new environment; the caller becomes its author.
    function createEnvironment(string calldata name, string[] calldata tags) external returns (uint256 envId) {
        if (bytes(name).length == 0) revert EmptyName();
        envId = ++environmentCount;
        Environment storage e = _environments[envId];
        e.author = msg.sender;
        e.name = name;
        emit EnvironmentCreated(envId, msg.sender, name);
        _tag(envId, tags);
    }

    /// @notice Add search tags (events only: the studio indexes them).
    function addTags(uint256 envId, string[] calldata tags) external {
        _onlyAuthor(envId);
        _tag(envId, tags);
    }

    function transferAuthorship(uint256 envId, address to) external {
        if (to == address(0)) revert ZeroAddress();
        Environment storage e = _onlyAuthor(envId);
        e.author = to;
        emit AuthorshipTransferred(envId, msg.sender, to);
    }

    /// @notice Publish a version of `envId` by its content root. Terms are fixed for this version.
    function publishVersion(
        uint256 envId,
        bytes32 contentRoot,
        string calldata metadataURI,
        string calldata license,
        uint256 pricePerUse,
        uint16 royaltyBps
    ) external returns (uint256 versionId) {
        Environment storage e = _onlyAuthor(envId);
        if (contentRoot == bytes32(0)) revert ZeroContentRoot();
        uint256 taken = versionByRoot[contentRoot];
        if (taken != 0) revert ContentRootTaken(contentRoot, taken);
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        versionId = ++versionCount;
        Version storage v = _versions[versionId];
        v.envId = envId;
        v.contentRoot = contentRoot;
        v.pricePerUse = pricePerUse;
        v.royaltyBps = royaltyBps;
        v.publishedAt = uint64(block.timestamp);
        v.metadataURI = metadataURI;
        v.license = license;
        e.versions.push(versionId);
        versionByRoot[contentRoot] = versionId;
        emit VersionPublished(versionId, envId, msg.sender, contentRoot, metadataURI, license, pricePerUse, royaltyBps);
    }

    function deprecateVersion(uint256 versionId, string calldata reason) external {
        Version storage v = _version(versionId);
        _onlyAuthor(v.envId);
        if (v.deprecated) revert AlreadyDeprecated(versionId);
        v.deprecated = true;
        emit VersionDeprecated(versionId, v.envId, reason);
    }

    // ---------------------------------------------------------------- views

    function environment(uint256 envId) external view returns (Environment memory) {
        if (envId == 0 || envId > environmentCount) revert UnknownEnvironment(envId);
        return _environments[envId];
    }

    function version(uint256 versionId) external view returns (Version memory) {
        return _version(versionId);
    }

    /// @notice What the escrow needs when a job opens on `versionId`.
    function versionTerms(uint256 versionId)
        external
        view
        returns (address author, uint256 pricePerUse, uint16 royaltyBps, bool deprecated)
    {
        Version storage v = _version(versionId);
        return (_environments[v.envId].author, v.pricePerUse, v.royaltyBps, v.deprecated);
    }

    function latestVersion(uint256 envId) external view returns (uint256) {
        if (envId == 0 || envId > environmentCount) revert UnknownEnvironment(envId);
        uint256[] storage vs = _environments[envId].versions;
        return vs.length == 0 ? 0 : vs[vs.length - 1];
    }

    // ---------------------------------------------------------------- internals

    function _onlyAuthor(uint256 envId) private view returns (Environment storage e) {
        if (envId == 0 || envId > environmentCount) revert UnknownEnvironment(envId);
        e = _environments[envId];
        if (e.author != msg.sender) revert NotAuthor(msg.sender, e.author);
    }

    function _version(uint256 versionId) private view returns (Version storage v) {
        if (versionId == 0 || versionId > versionCount) revert UnknownVersion(versionId);
        return _versions[versionId];
    }

    function _tag(uint256 envId, string[] calldata tags) private {
        if (tags.length > MAX_TAGS) revert TooManyTags(tags.length, MAX_TAGS);
        for (uint256 i = 0; i < tags.length; ++i) {
            emit EnvironmentTagged(envId, tags[i], tags[i]);
        }
    }
}
