using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Contract;

/// <summary>The behaviour every writable store must share; each store runs it through a derived fixture.</summary>
public abstract class RouterStoreContractTests
{
    private IWritableRouterStore? _store;

    /// <summary>Gets the store under test.</summary>
    protected IWritableRouterStore Store => _store!;

    /// <summary>Creates an empty store.</summary>
    protected abstract Task<IWritableRouterStore> CreateStoreAsync();

    /// <summary>Disposes <paramref name="store"/> as a host shutdown would, and opens the same data again.</summary>
    protected abstract Task<IWritableRouterStore> RestartAsync(IWritableRouterStore store);

    /// <summary>Opens a second instance over the same data, as a second gateway would.</summary>
    protected abstract Task<IWritableRouterStore> OpenAnotherAsync();

    [SetUp]
    public async Task SetUpStore() => _store = await CreateStoreAsync();

    [TearDown]
    public async Task TearDownStore()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Test]
    public async Task Read_NewStore_IsEmpty()
    {
        var contents = await Store.ReadAsync();

        Assert.That(contents.Llms.Count + contents.Routers.Count + contents.Apps.Count, Is.Zero);
    }

    [Test]
    public async Task Create_EachKind_ReadBackWithRevision()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-secret-a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateApp(App("team", "app-key-123", "r1")), Validator);

        var contents = await Store.ReadAsync();
        var config = await Store.GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(contents.FindLlm("a")!.Item.ApiKey, Is.EqualTo("sk-secret-a"));
            Assert.That(contents.FindRouter("r1")!.Item.Pools[0].Vendors[0].Llm, Is.EqualTo("a"));
            Assert.That(contents.FindApp("team")!.Item.Routers, Is.EqualTo(new[] { "r1" }));
            Assert.That(contents.FindRouter("r1")!.Revision, Is.Not.Empty);
            Assert.That(config.Routers.Select(r => r.Slug), Is.EqualTo(new[] { "r1" }));
            Assert.That(config.Revision, Is.EqualTo(contents.Revision));
        });
    }

    [Test]
    public async Task Create_ExistingKey_AlreadyExists()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("A")), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.AlreadyExists));
    }

    [Test]
    public async Task Create_SameSlugConcurrently_ExactlyOneWins()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var other = await OpenAnotherAsync();
        try
        {
            var attempts = new[] { Store, other, Store, other }
                .Select(s => Task.Run(async () =>
                {
                    try
                    {
                        await s.ApplyAsync(RouterStoreChange.CreateRouter(Router("same", "a")), Validator);
                        return (RouterStoreError?)null;
                    }
                    catch (RouterStoreException ex)
                    {
                        return ex.Error;
                    }
                }))
                .ToArray();
            var outcomes = await Task.WhenAll(attempts);

            Assert.That(outcomes.Count(o => o is null), Is.EqualTo(1));
            Assert.That(outcomes.Where(o => o is not null), Is.All.EqualTo(RouterStoreError.AlreadyExists));
        }
        finally
        {
            if (!ReferenceEquals(other, Store) && other is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Replace_CurrentRevision_ChangesRevision()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var created = (await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator)).FindRouter("r1")!;

        var replaced = (await Store.ApplyAsync(RouterStoreChange.ReplaceRouter("r1", created.Item with { Name = "Renamed" }, created.Revision), Validator)).FindRouter("r1")!;

        Assert.That(replaced.Item.Name, Is.EqualTo("Renamed"));
        Assert.That(replaced.Revision, Is.Not.EqualTo(created.Revision));
    }

    [Test]
    public async Task Replace_StaleRevision_RevisionMismatchAndNothingChanges()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var created = (await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator)).FindRouter("r1")!;
        await Store.ApplyAsync(RouterStoreChange.ReplaceRouter("r1", created.Item with { Name = "First" }, created.Revision), Validator);

        var error = Assert.ThrowsAsync<RouterStoreException>(
            () => Store.ApplyAsync(RouterStoreChange.ReplaceRouter("r1", created.Item with { Name = "Second" }, created.Revision), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.RevisionMismatch));
        Assert.That((await Store.ReadAsync()).FindRouter("r1")!.Item.Name, Is.EqualTo("First"));
    }

    [Test]
    public async Task Replace_Missing_NotFound()
    {
        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.ReplaceLlm("ghost", Llm("ghost")), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.NotFound));
    }

    [Test]
    public async Task Replace_KeyInBodyDiffers_Invalid()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.ReplaceLlm("a", Llm("b")), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.Invalid));
    }

    [Test]
    public async Task Replace_LlmWithoutKey_KeepsStoredKey()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-keep-me")), Validator);

        await Store.ApplyAsync(RouterStoreChange.ReplaceLlm("a", Llm("a", baseUrl: "http://127.0.0.1:9/v2")), Validator);

        var llm = (await Store.ReadAsync()).FindLlm("a")!.Item;
        Assert.That(llm.ApiKey, Is.EqualTo("sk-keep-me"));
        Assert.That(llm.BaseUrl, Is.EqualTo("http://127.0.0.1:9/v2"));
    }

    [Test]
    public async Task Replace_LlmAtAnotherOriginWithoutKeyOrHeaderValue_RefusedNamingBothAndNothingChanges()
    {
        HeaderConfig[] headers = [new() { Name = "X-Team", Value = "team-secret-1" }];
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-keep-me") with { Headers = headers }), Validator);
        var revision = (await Store.ReadAsync()).Revision;

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(
            RouterStoreChange.ReplaceLlm("a", Llm("a", baseUrl: "http://127.0.0.1:10/v1") with { Headers = [new() { Name = "x-team", Value = "" }] }),
            Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.Invalid));
        Assert.That(error.FieldErrors.Select(e => e.Path), Is.EqualTo(new[] { "llms[0].apiKey", "llms[0].headers[0].value" }));
        Assert.That(error.ItemPath, Is.EqualTo("llms[0]"));
        Assert.That(string.Join(" ", error.Errors), Does.Not.Contain("sk-keep-me").And.Not.Contain("team-secret-1"));
        var after = await Store.ReadAsync();
        Assert.That((after.Revision, after.FindLlm("a")!.Item.BaseUrl, after.FindLlm("a")!.Item.ApiKey), Is.EqualTo((revision, "http://127.0.0.1:9/v1", "sk-keep-me")));
    }

    [Test]
    public async Task Replace_LlmWithEmptyHeaderValue_KeepsStoredValue_NewValueReplacesIt()
    {
        HeaderConfig[] headers = [new() { Name = "OpenAI-Organization", Value = "org-secret" }, new() { Name = "X-Team", Value = "t1" }];
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a") with { Headers = headers }), Validator);

        HeaderConfig[] replaced = [new() { Name = "openai-organization", Value = "" }, new() { Name = "X-Team", Value = "t2" }];
        await Store.ApplyAsync(RouterStoreChange.ReplaceLlm("a", Llm("a") with { Headers = replaced }), Validator);

        var stored = (await Store.ReadAsync()).FindLlm("a")!.Item.Headers;
        Assert.That(stored.Select(h => h.Value), Is.EqualTo(new[] { "org-secret", "t2" }));
    }

    [Test]
    public async Task Create_InvalidRouter_ErrorsNameTheFieldPathAndTheItem()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r0", "a")), Validator);
        var router = Router("r1", "a") with
        {
            Pools = [Router("r1", "a").Pools[0], new PoolConfig { Name = "p2", Vendors = [new VendorConfig { Llm = "a", Weight = -1 }] }],
        };

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.CreateRouter(router), Validator));

        Assert.That(error!.ItemPath, Is.EqualTo("routers[1]"));
        Assert.That(error.FieldErrors.Select(e => e.Path), Is.EqualTo(new[] { "routers[1].pools[1].vendors[0].weight" }));
        Assert.That(error.FieldErrors[0].Message, Does.Contain("weight must be 0 or more"));
    }

    [Test]
    public async Task Create_VendorOfUnknownLlm_InvalidNamingTheField()
    {
        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "ghost")), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.Invalid));
        Assert.That(error.Errors, Has.Some.Contains("llm 'ghost' is not configured"));
        Assert.That((await Store.ReadAsync()).Routers, Is.Empty);
    }

    [Test]
    public async Task Create_InvalidRouter_ReportsEveryError()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var router = new RouterConfig
        {
            Slug = "Bad Slug",
            Pools = [new PoolConfig { Name = "p", Algorithm = "nope", Vendors = [new VendorConfig { Llm = "a", Weight = -1 }] }],
        };

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.CreateRouter(router), Validator));

        Assert.That(error!.Errors, Has.Some.Contains("slug"));
        Assert.That(error.Errors, Has.Some.Contains("algorithm"));
        Assert.That(error.Errors, Has.Some.Contains("weight"));
    }

    [Test]
    public async Task Delete_LlmUsedByRouters_InUseNamingThem()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r2", "a")), Validator);

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.DeleteLlm("a"), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.InUse));
        Assert.That(error.ReferencedBy, Is.EquivalentTo(new[] { "r1", "r2" }));
        Assert.That(error.Message, Does.Contain("'r1'").And.Contain("'r2'"));
    }

    [Test]
    public async Task Delete_UnusedItems_Removed()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var revision = (await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator)).FindRouter("r1")!.Revision;

        await Store.ApplyAsync(RouterStoreChange.DeleteRouter("r1", revision), Validator);
        await Store.ApplyAsync(RouterStoreChange.DeleteLlm("a"), Validator);

        var contents = await Store.ReadAsync();
        Assert.That(contents.Routers, Is.Empty);
        Assert.That(contents.Llms, Is.Empty);
    }

    [Test]
    public async Task Delete_StaleRevision_RevisionMismatch()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);

        var error = Assert.ThrowsAsync<RouterStoreException>(() => Store.ApplyAsync(RouterStoreChange.DeleteLlm("a", "999999"), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.RevisionMismatch));
    }

    [Test]
    public async Task Apply_Change_FiresChangeToken()
    {
        await Store.ReadAsync();
        var token = Store.GetChangeToken();
        Assert.That(token.HasChanged, Is.False);

        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);

        Assert.That(token.HasChanged, Is.True);
    }

    [Test]
    public async Task Apply_ChangeThroughAnotherInstance_FiresChangeToken()
    {
        await Store.ReadAsync();
        var other = await OpenAnotherAsync();
        try
        {
            var token = Store.GetChangeToken();

            await other.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);

            // Bounded wait for the change feed (instant in memory, LISTEN/NOTIFY or resync in databases).
            for (var i = 0; i < 100 && !token.HasChanged; i++)
            {
                await Task.Delay(100);
            }

            Assert.That(token.HasChanged, Is.True);
            Assert.That((await Store.ReadAsync()).FindLlm("a"), Is.Not.Null);
        }
        finally
        {
            if (!ReferenceEquals(other, Store) && other is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Read_AfterChangesThroughAnotherInstance_ReusesTheUnchangedItemsAndMatchesAFreshRead()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        foreach (var slug in new[] { "r1", "r2", "r3", "r4" })
        {
            await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router(slug, "a")), Validator);
        }

        var before = await Store.ReadAsync();
        var other = await OpenAnotherAsync();
        try
        {
            // Another gateway replaces one router, deletes one, and deletes and creates again another (which moves it last).
            await other.ApplyAsync(RouterStoreChange.ReplaceRouter("r2", Router("r2", "a") with { Description = "changed" }), Validator);
            await other.ApplyAsync(RouterStoreChange.DeleteRouter("r3"), Validator);
            await other.ApplyAsync(RouterStoreChange.DeleteRouter("r1"), Validator);
            await other.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a") with { Description = "again" }), Validator);
            await other.ApplyAsync(RouterStoreChange.CreateRouter(Router("r5", "a")), Validator);

            var after = await Store.ReadAsync();
            var third = await OpenAnotherAsync();
            var fresh = await third.ReadAsync();
            if (!ReferenceEquals(third, Store) && third is IAsyncDisposable thirdDisposable)
            {
                await thirdDisposable.DisposeAsync();
            }

            Assert.Multiple(() =>
            {
                Assert.That(after.Routers.Select(r => (r.Item.Slug, r.Item.Description, r.Revision)),
                    Is.EqualTo(fresh.Routers.Select(r => (r.Item.Slug, r.Item.Description, r.Revision))));
                Assert.That(after.Routers.Select(r => r.Item.Slug), Is.EqualTo(new[] { "r2", "r4", "r1", "r5" }));
                Assert.That(after.Revision, Is.EqualTo(fresh.Revision));
                Assert.That(after.FindRouter("r4")!.Item, Is.SameAs(before.FindRouter("r4")!.Item), "an unchanged row is not read again");
                Assert.That(after.FindLlm("a")!.Item, Is.SameAs(before.FindLlm("a")!.Item), "an unchanged row is not read again");
            });
        }
        finally
        {
            if (!ReferenceEquals(other, Store) && other is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Read_AfterAWrite_GivesTheWrittenItemsWithoutReadingThemAgain()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator);
        var written = await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r2", "a")), Validator);

        var read = await Store.ReadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(read.Revision, Is.EqualTo(written.Revision));
            Assert.That(read.FindRouter("r1")!.Item, Is.SameAs(written.FindRouter("r1")!.Item));
            Assert.That(read.FindRouter("r2")!.Item, Is.SameAs(written.FindRouter("r2")!.Item));
        });
    }

    [Test]
    public async Task Import_ReplacesEverything_AndKeepsKeysLeftOut()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("old")), Validator);
        var imported = new ModelRouterConfig
        {
            Llms = [Llm("a"), Llm("b", apiKey: "sk-b")],
            Routers = [Router("r2", "b"), Router("r1", "a", "b")],
            Apps = [App("team", "app-key-123", "*")],
        };

        await Store.ApplyAsync(RouterStoreChange.Import(imported), Validator);

        var config = await Store.GetConfigAsync();
        Assert.Multiple(() =>
        {
            Assert.That(config.Llms.Select(l => l.Id), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(config.Llms[0].ApiKey, Is.EqualTo("sk-a"));
            Assert.That(config.Llms[1].ApiKey, Is.EqualTo("sk-b"));
            Assert.That(config.Routers.Select(r => r.Slug), Is.EqualTo(new[] { "r2", "r1" }));
            Assert.That(config.Routers[1].Pools[0].Vendors.Select(v => v.Llm), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(config.Apps.Single().Name, Is.EqualTo("team"));
        });
    }

    [Test]
    public async Task Import_Invalid_LeavesStoreUnchanged()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a")), Validator);
        var before = await Store.ReadAsync();

        var error = Assert.ThrowsAsync<RouterStoreException>(
            () => Store.ApplyAsync(RouterStoreChange.Import(new ModelRouterConfig { Routers = [Router("r1", "missing")] }), Validator));

        Assert.That(error!.Error, Is.EqualTo(RouterStoreError.Invalid));
        var after = await Store.ReadAsync();
        Assert.That(after.Revision, Is.EqualTo(before.Revision));
        Assert.That(after.FindLlm("a"), Is.Not.Null);
    }

    [Test]
    public async Task Restart_AfterWrites_KeepsEverything()
    {
        await Store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-a")), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a") with { Active = false }), Validator);
        await Store.ApplyAsync(RouterStoreChange.CreateApp(App("team", "app-key-123", "r1")), Validator);
        var before = await Store.ReadAsync();

        _store = await RestartAsync(Store);
        var after = await Store.ReadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(after.Revision, Is.EqualTo(before.Revision));
            Assert.That(after.FindRouter("r1")!.Revision, Is.EqualTo(before.FindRouter("r1")!.Revision));
            Assert.That(after.FindRouter("r1")!.Item.Active, Is.False);
            Assert.That(after.FindLlm("a")!.Item.ApiKey, Is.EqualTo("sk-a"));
            Assert.That(after.FindApp("team")!.Item.ApiKey, Is.Empty, "app keys are stored as hashes only");
            Assert.That(after.FindApp("team")!.Item.ApiKeyHash, Is.EqualTo(AppKeys.Hash("app-key-123")));
        });
    }
}
