import assert from "node:assert/strict";
import { test } from "node:test";
import { TOKEN_KEY, TokenKeeper, takeTokenFromUrl } from "./token.ts";

test("a token in ?token= or #token= is taken and removed from the address; the rest stays", () => {
  assert.deepEqual(takeTokenFromUrl("http://h:8080/?token=abc&level=warn"), {
    token: "abc",
    cleanHref: "http://h:8080/?level=warn",
  });
  assert.deepEqual(takeTokenFromUrl("http://h:8080/#token=s%20p"), {
    token: "s p",
    cleanHref: "http://h:8080/",
  });
  assert.deepEqual(takeTokenFromUrl("http://h:8080/?q=x#a=1&token=t"), {
    token: "t",
    cleanHref: "http://h:8080/?q=x#a=1",
  });
  assert.deepEqual(takeTokenFromUrl("http://h:8080/?q=x"), {
    token: undefined,
    cleanHref: "http://h:8080/?q=x",
  });
});

test("the keeper stores the token for the tab and forgets an empty one", () => {
  const store = new Map<string, string>();
  const keeper = new TokenKeeper({
    getItem: (key) => store.get(key) ?? null,
    setItem: (key, value) => void store.set(key, value),
    removeItem: (key) => void store.delete(key),
  });
  keeper.set("s3cret");
  assert.equal(store.get(TOKEN_KEY), "s3cret");
  assert.equal(keeper.get(), "s3cret");
  keeper.set("");
  assert.equal(keeper.get(), undefined);
  assert.equal(new TokenKeeper(undefined).get(), undefined, "no storage (a policy): no token kept");
});
