"""The Streamlit adapter: the only part of the core that may import streamlit."""
