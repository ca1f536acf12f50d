package io.clipkit.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/search} and {@code /v1/thumbnail} over an embedding index. Until clip-core's public
 * index API lands, the server has no index: these routes answer 404 naming that.
 */
class SearchRoutes {
    void byText(Api api, Api.Exchange x) throws HttpError {
        throw noIndex();
    }

    void byImage(Api api, Api.Exchange x) throws HttpError {
        throw noIndex();
    }

    void thumbnail(Api api, Api.Exchange x) throws HttpError {
        throw noIndex();
    }

    /** Adds what /health says about the index. */
    void describe(ObjectNode health) {
        health.putNull("index");
    }

    static HttpError noIndex() {
        return new HttpError(404, "this server has no index: start it with --index FILE to search");
    }
}
