# syntax=docker/dockerfile:1
# Build: the SDK image, with the restore in its own cached layer.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Dashboard.Kubernetes/Dashboard.Kubernetes.csproj src/Dashboard.Kubernetes/
COPY src/Dashboard.EmbeddedCluster/Dashboard.EmbeddedCluster.csproj src/Dashboard.EmbeddedCluster/
COPY src/Dashboard.ClusterServices/Dashboard.ClusterServices.csproj src/Dashboard.ClusterServices/
COPY src/Dashboard.Web/Dashboard.Web.csproj src/Dashboard.Web/
RUN dotnet restore src/Dashboard.Web/Dashboard.Web.csproj
COPY src/ src/
COPY wwwroot/ wwwroot/
COPY Dashboard.sln ./
RUN dotnet publish src/Dashboard.Web/Dashboard.Web.csproj -c Release -o /app --no-restore

# Run: the ASP.NET runtime only, as a non-root user, on port 8080.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_EnableDiagnostics=0
EXPOSE 8080
USER 1654
ENTRYPOINT ["dotnet", "Dashboard.Web.dll"]
