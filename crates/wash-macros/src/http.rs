//! `#[wash::http_server]`: an `async fn main(Request<Body>) -> Result<Response<Body>, Error>`
//! served as the component's `wasi:http/incoming-handler`, through wstd (wash-sdk's `http`
//! feature). As wstd's own `#[wstd::http_server]`, with one difference: a response that cannot
//! be finished because the client went away is let go, instead of panicking inside the guest.

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(item: syn::ItemFn) -> TokenStream {
    if item.sig.asyncness.is_none() || item.sig.ident != "main" {
        return syn::Error::new_spanned(
            &item.sig,
            "#[wash::http_server] serves an `async fn main(request: Request<Body>) -> \
             Result<Response<Body>, Error>`",
        )
        .to_compile_error();
    }
    let sdk: TokenStream = crate::export::sdk_crate()
        .parse()
        .unwrap_or_else(|_| quote!(wash_sdk));
    let attrs = &item.attrs;
    let inputs = &item.sig.inputs;
    let output = &item.sig.output;
    let body = &item.block;
    let wstd = quote!(::#sdk::__wstd);
    quote! {
        #[doc(hidden)]
        struct __WashHttpServer;

        impl #wstd::__internal::wasip2::exports::http::incoming_handler::Guest for __WashHttpServer {
            fn handle(
                request: #wstd::__internal::wasip2::http::types::IncomingRequest,
                response_out: #wstd::__internal::wasip2::http::types::ResponseOutparam,
            ) {
                #(#attrs)*
                async fn __wash_main(#inputs) #output #body

                let responder = #wstd::http::server::Responder::new(response_out);
                #wstd::runtime::block_on(async move {
                    match #wstd::http::request::try_from_incoming(request) {
                        Ok(request) => match __wash_main(request).await {
                            // The status and headers are sent; a body the client stopped
                            // reading cannot be finished, and there is no one left to tell.
                            Ok(response) => {
                                let _ = responder.respond(response).await;
                            }
                            Err(err) => responder.fail(err),
                        },
                        Err(err) => responder.fail(err),
                    }
                })
            }
        }

        #wstd::__internal::wasip2::http::proxy::export!(
            __WashHttpServer with_types_in #wstd::__internal::wasip2
        );
    }
}
