//! Sockets denied: there is no network handle to get (traps); creating a socket or resolving a
//! name returns `access-denied`.

wit_bindgen::generate!({ path: "wit", world: "deny-sockets", generate_all });

use crate::deny;
use alloc::string::String;
use exports::wasi::sockets::{instance_network, ip_name_lookup, tcp_create_socket, udp_create_socket};
use wasi::io::poll::Pollable;
use wasi::sockets::network::{ErrorCode, IpAddress, IpAddressFamily, Network};
use wasi::sockets::tcp::TcpSocket;
use wasi::sockets::udp::UdpSocket;

struct Denied;

impl instance_network::Guest for Denied {
    fn instance_network() -> Network {
        deny()
    }
}

impl tcp_create_socket::Guest for Denied {
    fn create_tcp_socket(_: IpAddressFamily) -> Result<TcpSocket, ErrorCode> {
        Err(ErrorCode::AccessDenied)
    }
}

impl udp_create_socket::Guest for Denied {
    fn create_udp_socket(_: IpAddressFamily) -> Result<UdpSocket, ErrorCode> {
        Err(ErrorCode::AccessDenied)
    }
}

/// Never constructed: resolving always fails first.
struct NoAddresses;

impl ip_name_lookup::GuestResolveAddressStream for NoAddresses {
    fn resolve_next_address(&self) -> Result<Option<IpAddress>, ErrorCode> {
        Err(ErrorCode::AccessDenied)
    }
    fn subscribe(&self) -> Pollable {
        deny()
    }
}

impl ip_name_lookup::Guest for Denied {
    type ResolveAddressStream = NoAddresses;
    fn resolve_addresses(
        _: &Network,
        _: String,
    ) -> Result<ip_name_lookup::ResolveAddressStream, ErrorCode> {
        Err(ErrorCode::AccessDenied)
    }
}

export!(Denied);
